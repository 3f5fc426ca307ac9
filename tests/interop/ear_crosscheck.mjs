// EAT Attestation Results (JWT) checked by an independent JOSE implementation: npm `jose`.
//   node ear_crosscheck.mjs EAR.jwt PUBLIC.pem   prints the verified claims as JSON
import { readFileSync } from 'node:fs';
import * as jose from 'jose';

const [tokenFile, keyFile] = process.argv.slice(2);
const key = await jose.importSPKI(readFileSync(keyFile, 'utf8'), 'ES256');
const { payload, protectedHeader } = await jose.jwtVerify(readFileSync(tokenFile, 'utf8').trim(), key, { algorithms: ['ES256'] });
if (payload.eat_profile !== 'tag:github.com,2023:veraison/ear') throw new Error(`not an EAR: ${payload.eat_profile}`);
console.log(JSON.stringify({ alg: protectedHeader.alg, ...payload }));
