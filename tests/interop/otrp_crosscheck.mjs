// Reads a whole OTrP InstallTARequest with npm `jose` and Node's own AES, as an independent TEE
// would, and prints what it found as JSON:
//   node otrp_crosscheck.mjs DIR   (DIR: request.json, tee.key.pem, aik.key.pem, sp.pub.pem)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDecipheriv, createHash } from 'node:crypto';
import * as jose from 'jose';

const dir = process.argv[2];
const read = (name) => readFileSync(join(dir, name), 'utf8');
const message = JSON.parse(read('request.json'));
const names = Object.keys(message);
if (names.length !== 1 || names[0] !== 'InstallTARequest') throw new Error(`unexpected message ${names}`);

// 1. The TAM's signature, with the certificate it sent in x5c.
const outer = message.InstallTARequest;
const header = jose.decodeProtectedHeader(outer);
const pem = `-----BEGIN CERTIFICATE-----\n${header.x5c[0]}\n-----END CERTIFICATE-----\n`;
const tamKey = await jose.importX509(pem, header.alg);
const verified = await jose.flattenedVerify(outer, tamKey);
const tbs = JSON.parse(new TextDecoder().decode(verified.payload)).InstallTATBSRequest;

// 2. The content, encrypted to the TEE key.
const teeKey = await jose.importPKCS8(read('tee.key.pem'), tbs.content.recipients[0].header.alg);
const content = JSON.parse(new TextDecoder().decode((await jose.generalDecrypt(tbs.content, teeKey)).plaintext));

// 3. The TA key, encrypted to the SP AIK; then AES-256-CBC with Node's cipher.
const ta = tbs.encrypted_ta;
const aik = await jose.importPKCS8(read('aik.key.pem'), ta.key.recipients[0].header.alg);
const aesKey = Buffer.from((await jose.generalDecrypt(ta.key, aik)).plaintext);
const decipher = createDecipheriv('aes-256-cbc', aesKey, Buffer.from(ta.iv, 'hex'));
const signedTa = JSON.parse(Buffer.concat([decipher.update(Buffer.from(ta.ciphertadata, 'base64')), decipher.final()]).toString('utf8'));

// 4. The SP's signature over the TA.
const spKey = await jose.importSPKI(read('sp.pub.pem'), jose.decodeProtectedHeader(signedTa).alg);
const image = JSON.parse(new TextDecoder().decode((await jose.flattenedVerify(signedTa, spKey)).payload));
const binary = Buffer.from(image.binary, 'base64');

console.log(JSON.stringify({
  alg: header.alg,
  tee: tbs.tee,
  contentTaid: content.taid,
  did: content.did,
  taid: image.taid,
  version: image.version,
  binarySha256: createHash('sha256').update(binary).digest('hex'),
}));
