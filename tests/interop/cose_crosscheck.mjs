// An independent COSE_Sign1 implementation for cross-checks: `cbor` (JavaScript) for encoding
// and @noble/curves (pure JavaScript P-256 and Ed25519, no OpenSSL) for signatures.
//   node cose_crosscheck.mjs verify DIR  verifies DIR/*.cose (ours) with DIR/<name>.key.cbor COSE_Keys
//   node cose_crosscheck.mjs sign DIR    writes node-*.cose and node-*.key.cbor for our side to verify
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cbor from 'cbor';
import { p256 } from '@noble/curves/p256';
import { ed25519 } from '@noble/curves/ed25519';

const [mode, dir] = process.argv.slice(2);

function sigStructure(protectedBytes, payload) {
  return cbor.encodeCanonical(['Signature1', protectedBytes, Buffer.alloc(0), payload]);
}

function verify(name) {
  const object = cbor.decodeFirstSync(readFileSync(join(dir, name)));
  if (!(object instanceof cbor.Tagged) || object.tag !== 18) throw new Error(`${name}: not a tagged COSE_Sign1`);
  const [protectedBytes, , payload, signature] = object.value;
  const alg = cbor.decodeFirstSync(protectedBytes).get(1);
  const key = cbor.decodeFirstSync(readFileSync(join(dir, name.replace(/\.cose$/, '.key.cbor'))));
  const message = sigStructure(protectedBytes, payload);
  let ok;
  if (alg === -7 || alg === -9) {
    const point = Buffer.concat([Buffer.from([4]), key.get(-2), key.get(-3)]);
    ok = p256.verify(signature, message, point, { prehash: true, format: 'compact' });
  } else if (alg === -8 || alg === -19) {
    ok = ed25519.verify(signature, message, key.get(-2));
  } else {
    throw new Error(`${name}: unexpected alg ${alg}`);
  }
  if (!ok) throw new Error(`${name}: signature does not verify`);
  // The payload is CBOR too: decode it to prove it is well formed.
  cbor.decodeFirstSync(payload);
  console.log(`${name} ok (alg ${alg})`);
}

function sign(name, alg, curve) {
  const secret = curve.utils.randomPrivateKey();
  const publicKey = curve.getPublicKey(secret, false);
  const protectedBytes = cbor.encodeCanonical(new Map([[1, alg]]));
  const payload = cbor.encodeCanonical([5, new Map([[20, Buffer.alloc(16, 0xa5)], [11, 'node signed this']])]);
  const message = sigStructure(protectedBytes, payload);
  let signature;
  let coseKey;
  if (curve === p256) {
    signature = Buffer.from(p256.sign(message, secret, { prehash: true }).toCompactRawBytes());
    coseKey = new Map([[1, 2], [-1, 1], [-2, Buffer.from(publicKey.slice(1, 33))], [-3, Buffer.from(publicKey.slice(33, 65))]]);
  } else {
    signature = Buffer.from(ed25519.sign(message, secret));
    coseKey = new Map([[1, 1], [-1, 6], [-2, Buffer.from(ed25519.getPublicKey(secret))]]);
  }
  const object = new cbor.Tagged(18, [protectedBytes, new Map(), payload, signature]);
  writeFileSync(join(dir, `${name}.cose`), cbor.encodeCanonical(object));
  writeFileSync(join(dir, `${name}.key.cbor`), cbor.encodeCanonical(coseKey));
  console.log(`${name} written`);
}

if (mode === 'verify') {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cose') && !f.startsWith('node-'));
  if (files.length === 0) throw new Error('nothing to verify');
  files.forEach(verify);
} else if (mode === 'sign') {
  sign('node-esp256', -9, p256);
  sign('node-ed25519', -19, ed25519);
} else {
  throw new Error('usage: cose_crosscheck.mjs verify|sign DIR');
}
