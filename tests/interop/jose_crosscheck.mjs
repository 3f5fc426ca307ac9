// An independent JOSE implementation for cross-checks: npm `jose` (panva).
//   node jose_crosscheck.mjs verify DIR  verifies DIR/jws-*.json and decrypts DIR/jwe-*.json (ours)
//   node jose_crosscheck.mjs make DIR    writes node-jws-*.json and node-jwe-*.json for our side
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as jose from 'jose';

const [mode, dir] = process.argv.slice(2);
const read = (name) => readFileSync(join(dir, name), 'utf8');
const expected = (name) => readFileSync(join(dir, name.replace(/\.json$/, '.payload')));

async function verifyOurs() {
  let count = 0;
  for (const name of readdirSync(dir).filter((f) => /^jws-.*\.json$/.test(f))) {
    const jws = JSON.parse(read(name));
    const key = await jose.importSPKI(read(name.replace(/\.json$/, '.pub.pem')), name.includes('rs256') ? 'RS256' : 'ES256');
    const result = jws.signatures ? await jose.generalVerify(jws, key) : await jose.flattenedVerify(jws, key);
    if (Buffer.compare(Buffer.from(result.payload), expected(name)) !== 0) throw new Error(`${name}: payload differs`);
    console.log(`${name} verified (${result.protectedHeader.alg})`);
    count++;
  }
  for (const name of readdirSync(dir).filter((f) => /^jwe-.*\.json$/.test(f))) {
    const jwe = JSON.parse(read(name));
    const alg = jwe.recipients[0].header.alg;
    const key = await jose.importPKCS8(read(name.replace(/\.json$/, '.key.pem')), alg);
    const result = await jose.generalDecrypt(jwe, key);
    if (Buffer.compare(Buffer.from(result.plaintext), expected(name)) !== 0) throw new Error(`${name}: plaintext differs`);
    console.log(`${name} decrypted (${alg}, ${result.protectedHeader.enc})`);
    count++;
  }
  if (count === 0) throw new Error('nothing to check');
}

async function make() {
  const payload = new TextEncoder().encode(JSON.stringify({ GetDeviceStateTBSRequest: { ver: '1.0', rid: 'node-1', tid: 't-1' } }));
  for (const alg of ['ES256', 'RS256']) {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, { modulusLength: 2048 });
    const jws = await new jose.FlattenedSign(payload).setProtectedHeader({ alg }).sign(privateKey);
    writeFileSync(join(dir, `node-jws-${alg.toLowerCase()}.json`), JSON.stringify(jws));
    writeFileSync(join(dir, `node-jws-${alg.toLowerCase()}.pub.pem`), await jose.exportSPKI(publicKey));
  }
  const cases = [
    ['ECDH-ES+A128KW', 'A128CBC-HS256', 'p256'],
    ['ECDH-ES+A256KW', 'A256CBC-HS512', 'p256'],
    ['RSA-OAEP-256', 'A128CBC-HS256', 'rsa'],
  ];
  for (const [alg, enc, keyName] of cases) {
    const key = await jose.importSPKI(read(`${keyName}.pub.pem`), alg);
    const jwe = await new jose.GeneralEncrypt(payload).setProtectedHeader({ enc }).addRecipient(key).setUnprotectedHeader({ alg }).encrypt();
    writeFileSync(join(dir, `node-jwe-${alg}-${enc}.json`), JSON.stringify(jwe));
  }
  writeFileSync(join(dir, 'node.payload'), payload);
  console.log('made');
}

if (mode === 'verify') await verifyOurs();
else if (mode === 'make') await make();
else throw new Error('usage: jose_crosscheck.mjs verify|make DIR');
