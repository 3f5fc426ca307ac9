// EAT Attestation Results (JWT) checked by an independent JOSE implementation: npm `jose`.
//   node ear_crosscheck.mjs EAR.jwt PUBLIC.pem              prints the verified claims as JSON
//   node ear_crosscheck.mjs make OUT.jwt PUBLIC.pem NONCEHEX  writes an EAR (warning) signed by a new key
import { readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';

if (process.argv[2] === 'make') {
  const [out, publicFile, nonceHex] = process.argv.slice(3);
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256');
  const jwt = await new jose.SignJWT({
    eat_profile: 'tag:github.com,2023:veraison/ear',
    eat_nonce: jose.base64url.encode(Buffer.from(nonceHex, 'hex')),
    'ear.verifier-id': { developer: 'npm jose', build: 'test' },
    submods: { tee: { 'ear.status': 'warning', 'ear.trustworthiness-vector': { 'instance-identity': 2, configuration: 32, executables: 2 } } },
  }).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).setIssuedAt().sign(privateKey);
  writeFileSync(out, jwt);
  writeFileSync(publicFile, await jose.exportSPKI(publicKey));
  process.exit(0);
}
const [tokenFile, keyFile] = process.argv.slice(2);
const key = await jose.importSPKI(readFileSync(keyFile, 'utf8'), 'ES256');
const { payload, protectedHeader } = await jose.jwtVerify(readFileSync(tokenFile, 'utf8').trim(), key, { algorithms: ['ES256'] });
if (payload.eat_profile !== 'tag:github.com,2023:veraison/ear') throw new Error(`not an EAR: ${payload.eat_profile}`);
console.log(JSON.stringify({ alg: protectedHeader.alg, ...payload }));
