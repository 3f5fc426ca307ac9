#!/usr/bin/python3
# Attestation samples made with independent encoders (python3-cbor2, python3-cryptography), none
# of TEEP Console's code: CoRIM (unsigned in both CoMID encodings, and signed), EAT evidence with
# measured components, and the keys that sign them. Usage: make_samples.py DIR
import base64, datetime, hashlib, sys, uuid

import cbor2
from cbor2 import CBORTag
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

out = sys.argv[1]

def write(name, data):
    with open(out + '/' + name, 'wb') as f:
        f.write(data)

def pem_private(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

def pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

def es256(key, protected, payload):
    tbs = cbor2.dumps(['Signature1', protected, b'', payload])
    r, s = utils.decode_dss_signature(key.sign(tbs, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, 'big') + s.to_bytes(32, 'big')

def sign1(key, protected_map, payload):
    protected = cbor2.dumps(protected_map)
    return cbor2.dumps(CBORTag(18, [protected, {}, payload, es256(key, protected, payload)]))

BL2 = b'ACME second-stage boot loader 1.2.0'
TEE_OS = b'ACME TEE OS 4.1'
UEID = bytes.fromhex('01') + hashlib.sha256(b'device 0001').digest()[:16]
OTHER_UEID = bytes.fromhex('01') + hashlib.sha256(b'device 0002').digest()[:16]
NONCE = bytes.fromhex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf')

# --- CoRIM -------------------------------------------------------------------------------------
ACME = {1: 'ACME', 2: 'RoadRunner'}
comid = {
    1: {0: 'acme-roadrunner-firmware', 1: 3},
    4: {
        0: [
            [{0: ACME}, [
                {0: 'bl2', 1: {0: {0: '1.2.0'}, 2: [[1, hashlib.sha256(BL2).digest()], [7, hashlib.sha384(BL2).digest()]], 11: 'bl2'}},
                {1: {1: CBORTag(553, 3), 2: [['sha-256', hashlib.sha256(TEE_OS).digest()]], 11: 'tee-os'}},
            ]],
            [{0: ACME, 1: CBORTag(550, UEID)}, [
                {1: {4: CBORTag(560, bytes.fromhex('00ff10')), 11: 'lifecycle-fuses'}},
            ]],
        ],
        1: [[{0: ACME}, [{1: {0: {0: 'PSA L2'}, 11: 'certification'}}]]],
        3: [[{0: ACME, 1: CBORTag(550, UEID)}, [CBORTag(554, 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE')]]],
    },
}
tagged_bstr = CBORTag(501, {0: 'acme-corim-2026-12', 1: [CBORTag(506, cbor2.dumps(comid))]})
bstr_wrapped = CBORTag(501, {0: CBORTag(37, uuid.UUID('5c57e8f4-4b4a-4e0e-9a63-6a5ac2f2d8a1').bytes), 1: [cbor2.dumps(CBORTag(506, comid))]})
write('corim-tagged-bstr.cbor', cbor2.dumps(tagged_bstr))
write('corim-bstr-wrapped.cbor', cbor2.dumps(bstr_wrapped))

# Signed CoRIM, by a verifier key whose self-signed certificate the operator trusts.
verifier = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'ACME Reference Value Signer')])
now = datetime.datetime.now(datetime.timezone.utc)
certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(verifier.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .sign(verifier, hashes.SHA256()))
write('verifier.crt', certificate.public_bytes(serialization.Encoding.PEM))
write('verifier.pub.pem', pem_public(verifier))
signed_corim = CBORTag(501, {0: 'acme-corim-signed', 1: [CBORTag(506, cbor2.dumps(comid))]})
write('corim-signed.cbor', sign1(verifier, {1: -7, 3: 'application/rim+cbor', 8: cbor2.dumps({0: {0: 'ACME Signer'}})}, cbor2.dumps(signed_corim)))

# --- EAT evidence ------------------------------------------------------------------------------
attester = ec.generate_private_key(ec.SECP256R1())
agent = ec.generate_private_key(ec.SECP256R1())
write('attester.pem', pem_public(attester))
numbers = agent.public_key().public_numbers()
cose_key = {1: 2, -1: 1, -2: numbers.x.to_bytes(32, 'big'), -3: numbers.y.to_bytes(32, 'big')}

def component(name, version, data, flip=False):
    digest = bytearray(hashlib.sha256(data).digest())
    if flip:
        digest[5] ^= 0x01
    measured = {1: [name, [version]] if version else [name], 2: [1, bytes(digest)]}
    return ['application/measured-component+cbor', cbor2.dumps(measured)]

def evidence(ueid=UEID, flip=False):
    claims = {
        8: {1: cose_key},
        10: NONCE,
        256: ueid,
        258: bytes.fromhex('894823'),
        259: b'RoadRunner',
        260: ['3.1', 1],
        273: [component('bl2', '1.2.0', BL2, flip), component('tee-os', '', TEE_OS),
              [60, {1: 'https://example.com/manifest.cbor', 0: [-16, hashlib.sha256(b'm').digest()]}]],
    }
    return sign1(attester, {1: -7}, cbor2.dumps(claims))

write('evidence.cbor', evidence())
write('evidence-changed-digest.cbor', evidence(flip=True))
write('evidence-other-ueid.cbor', evidence(ueid=OTHER_UEID))
# --- PSA tokens (RFC 9783) and a PSA CoRIM as Veraison writes them ------------------------------
iak = ec.generate_private_key(ec.SECP256R1())
write('iak.pem', pem_public(iak))
iak_numbers = iak.public_key().public_numbers()
instance_id = b'\x01' + hashlib.sha256(iak_numbers.x.to_bytes(32, 'big') + iak_numbers.y.to_bytes(32, 'big')).digest()
implementation_id = hashlib.sha256(b'ACME PSA implementation').digest()
signer_id = hashlib.sha256(b'ACME firmware signing key').digest()
BL = b'ACME TF-M BL 1.0.2'
PROT = b'ACME TF-M PRoT 1.3.5'
PSA_NONCE = bytes(range(32))

def psa_token(lifecycle=0x3000, legacy=False, bl=BL):
    components = [{1: 'BL', 2: hashlib.sha256(bl).digest(), 4: '1.0.2', 5: signer_id, 6: 'sha-256'},
                  {1: 'PRoT', 2: hashlib.sha256(PROT).digest(), 4: '1.3.5', 5: signer_id}]
    if legacy:
        claims = {-75000: 'PSA_IOT_PROFILE_1', -75001: 1, -75002: lifecycle, -75003: implementation_id, -75004: bytes(32),
                  -75005: '1234567890123 - 12345', -75006: components, -75008: PSA_NONCE, -75009: instance_id, -75010: 'https://veraison.example/v1/challenge-response'}
    else:
        claims = {265: 'tag:psacertified.org,2023:psa#tfm', 2394: 1, 2395: lifecycle, 2396: implementation_id, 268: bytes(32),
                  2398: '1234567890123-12345', 2399: components, 10: PSA_NONCE, 256: instance_id, 2400: 'https://veraison.example/v1/challenge-response'}
    return sign1(iak, {1: -7}, cbor2.dumps(claims))

write('psa.cbor', psa_token())
write('psa-legacy.cbor', psa_token(legacy=True))
write('psa-decommissioned.cbor', psa_token(lifecycle=0x6000))
write('psa-debug.cbor', psa_token(lifecycle=0x4001))
write('psa-other-bl.cbor', psa_token(bl=b'ACME TF-M BL 1.0.3-rc'))

psa_class = {0: CBORTag(600, implementation_id), 1: 'ACME', 2: 'RoadRunner PSA'}
def psa_refval(label, version, data):
    return {0: {1: label, 4: version, 5: signer_id}, 1: {2: [[1, hashlib.sha256(data).digest()]]}}
psa_comid = {1: {0: CBORTag(37, uuid.UUID('3f06af63-a93c-11e4-9797-00505690773f').bytes)},
             4: {0: [[{0: psa_class}, [psa_refval('BL', '1.0.2', BL), psa_refval('PRoT', '1.3.5', PROT)]]],
                 3: [[{0: psa_class, 1: CBORTag(550, instance_id)}, [CBORTag(554, base64.b64encode(iak.public_key().public_bytes(
                     serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode())]]]}}
write('corim-psa.cbor', cbor2.dumps(CBORTag(501, {0: 'acme-psa-refvals', 1: [CBORTag(506, cbor2.dumps(psa_comid))],
                                                 3: CBORTag(32, 'http://arm.com/psa/iot/1')})))
# --- EAT Attestation Results (CWT) from a verifier: the passport model -------------------------
import time
def ear_cwt(status, vector, nonce=NONCE, iat=None, profile='tag:github.com,2023:veraison/ear'):
    claims = {265: profile, 6: int(time.time()) if iat is None else iat, 1004: {0: '1.0', 1: 'ACME Verifier'},
              266: {'tee': {1000: status, 1001: vector, 1003: 'acme-policy'}}}
    if nonce is not None:
        claims[10] = nonce
    return sign1(verifier, {1: -7}, cbor2.dumps(claims))
write('ear-affirming.cwt', ear_cwt(2, {0: 2, 1: 2, 2: 2, 4: 2}))
write('ear-contraindicated.cwt', ear_cwt(96, {0: 2, 2: 96}))
write('ear-stale.cwt', ear_cwt(2, {0: 2}, nonce=None, iat=int(time.time()) - 3600))
write('ear-not-ear.cwt', ear_cwt(2, {0: 2}, profile='tag:example.com,2024:something-else'))
print('samples written')
