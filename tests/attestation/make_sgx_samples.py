#!/usr/bin/python3
# Intel SGX DCAP samples made with independent encoders (python3-cryptography, python3-cbor2 and
# DER written out by hand here), none of TEEP Console's code: a test PCK hierarchy in the shape of
# Intel's (root CA, PCK Processor CA, PCK certificates carrying the SGX Extensions), version-3
# ECDSA quotes in the TEEP bundle [quote, raw-report-data], Intel-style collateral (TCB info v3,
# QE identity v2, CRLs, the TCB signing chain) and a CoRIM naming the enclave.
# Usage: make_sgx_samples.py DIR
import datetime, hashlib, json, os, struct, sys

import cbor2
from cbor2 import CBORTag
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID

out = sys.argv[1]
os.makedirs(out + '/collateral', exist_ok=True)
os.makedirs(out + '/collateral-forged', exist_ok=True)
os.makedirs(out + '/collateral-outdated', exist_ok=True)

def write(name, data):
    with open(out + '/' + name, 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def raw_sign(key, message):
    r, s = utils.decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, 'big') + s.to_bytes(32, 'big')

def point(key):
    numbers = key.public_key().public_numbers()
    return numbers.x.to_bytes(32, 'big') + numbers.y.to_bytes(32, 'big')

def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)

# --- DER, by hand: the SGX Extensions are Intel's own structure -------------------------------
def tlv(tag, content):
    n = len(content)
    length = bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 0xff]))
    return bytes([tag]) + length + content

def der_oid(dotted):
    parts = [int(p) for p in dotted.split('.')]
    body = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7f]
        p >>= 7
        while p:
            chunk.insert(0, 0x80 | (p & 0x7f))
            p >>= 7
        body += bytes(chunk)
    return tlv(0x06, body)

def der_int(value, tag=0x02):
    body = value.to_bytes(max(1, (value.bit_length() + 8) // 8), 'big')
    return tlv(tag, body)

def seq(*items):
    return tlv(0x30, b''.join(items))

SGX = '1.2.840.113741.1.13.1'

def sgx_extensions(ppid, components, pcesvn, fmspc, pceid=b'\x00\x00'):
    tcb = [seq(der_oid(f'{SGX}.2.{i + 1}'), der_int(c)) for i, c in enumerate(components)]
    tcb.append(seq(der_oid(f'{SGX}.2.17'), der_int(pcesvn)))
    tcb.append(seq(der_oid(f'{SGX}.2.18'), tlv(0x04, bytes(components))))
    return seq(seq(der_oid(f'{SGX}.1'), tlv(0x04, ppid)),
               seq(der_oid(f'{SGX}.2'), seq(*tcb)),
               seq(der_oid(f'{SGX}.3'), tlv(0x04, pceid)),
               seq(der_oid(f'{SGX}.4'), tlv(0x04, fmspc)),
               seq(der_oid(f'{SGX}.5'), der_int(0, 0x0a)))

# --- The test PCK hierarchy --------------------------------------------------------------------
now = datetime.datetime.now(datetime.timezone.utc)

def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Intel Corporation (test)'),
                      x509.NameAttribute(NameOID.COUNTRY_NAME, 'US')])

def certificate(subject, key, issuer, issuer_key, ca, path=None, extension=None):
    builder = (x509.CertificateBuilder().subject_name(name(subject)).issuer_name(name(issuer)).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=not ca, key_encipherment=False, data_encipherment=False,
                                            key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False))
    if extension is not None:
        builder = builder.add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier(SGX), extension), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())

root_key = ec.generate_private_key(ec.SECP256R1())
root = certificate('Intel SGX Root CA', root_key, 'Intel SGX Root CA', root_key, True, 1)
ca_key = ec.generate_private_key(ec.SECP256R1())
processor_ca = certificate('Intel SGX PCK Processor CA', ca_key, 'Intel SGX Root CA', root_key, True, 0)
signing_key = ec.generate_private_key(ec.SECP256R1())
tcb_signing = certificate('Intel SGX TCB Signing', signing_key, 'Intel SGX Root CA', root_key, False)
write('intel-root.crt', pem(root))

FMSPC = bytes.fromhex('00906ed50000')
PPID = hashlib.sha256(b'platform 0001').digest()[:16]
UP_TO_DATE = [15, 15, 2, 4, 1, 128, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0]
OLDER = [7, 7, 2, 4, 1, 128, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]

def pck(components, pcesvn, ppid=PPID):
    key = ec.generate_private_key(ec.SECP256R1())
    return key, certificate('Intel SGX PCK Certificate', key, 'Intel SGX PCK Processor CA', ca_key, False,
                            extension=sgx_extensions(ppid, components, pcesvn, FMSPC))

pck_key, pck_cert = pck(UP_TO_DATE, 13)
old_pck_key, old_pck_cert = pck(OLDER, 9)
revoked_pck_key, revoked_pck_cert = pck(UP_TO_DATE, 13, hashlib.sha256(b'platform 0002').digest()[:16])

# --- Quotes ------------------------------------------------------------------------------------
MRENCLAVE = hashlib.sha256(b'ACME trusted application enclave 2.1').digest()
MRSIGNER = hashlib.sha256(b'ACME enclave signing key').digest()
QE_MRSIGNER = hashlib.sha256(b'Intel quoting enclave signer (test)').digest()
CHALLENGE = bytes.fromhex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf')
INTEL_VENDOR = bytes.fromhex('939a7233f79c4ca9940a0db3957f0607')

agent_key = ec.generate_private_key(ec.SECP256R1())
write('agent.pub', agent_key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
write('mrenclave.hex', MRENCLAVE.hex())
write('mrsigner.hex', MRSIGNER.hex())
write('ppid.hex', PPID.hex())

def report_body(mrenclave, mrsigner, prodid, svn, flags, report_data, misc=0):
    body = bytearray(384)
    body[0:16] = bytes(UP_TO_DATE)
    body[16:20] = struct.pack('<I', misc)
    body[48:64] = struct.pack('<QQ', flags, 0xe7)
    body[64:96] = mrenclave
    body[128:160] = mrsigner
    body[256:260] = struct.pack('<HH', prodid, svn)
    body[320:384] = report_data
    return bytes(body)

def bundle(pck_pair=None, challenge=CHALLENGE, flags=0x05, svn=2, break_qe_binding=False, tamper=False, agent=agent_key):
    pck_private, pck_certificate = pck_pair or (pck_key, pck_cert)
    attestation_key = ec.generate_private_key(ec.SECP256R1())
    raw_report_data = point(agent) + challenge
    header = struct.pack('<HHIHH', 3, 2, 0, 8, 13) + INTEL_VENDOR + PPID + bytes(4)
    enclave = report_body(MRENCLAVE, MRSIGNER, 1, svn, flags, hashlib.sha384(raw_report_data).digest() + bytes(16))
    signature = raw_sign(attestation_key, header + enclave)
    auth = bytes(range(32))
    binding = hashlib.sha256(point(attestation_key) + auth).digest() + bytes(32)
    if break_qe_binding:
        binding = hashlib.sha256(point(ec.generate_private_key(ec.SECP256R1())) + auth).digest() + bytes(32)
    qe_report = report_body(hashlib.sha256(b'QE').digest(), QE_MRSIGNER, 1, 8, 0x11, binding)
    qe_signature = raw_sign(pck_private, qe_report)
    chain = pem(pck_certificate) + pem(processor_ca) + pem(root)
    signature_data = (signature + point(attestation_key) + qe_report + qe_signature + struct.pack('<H', len(auth)) + auth +
                      struct.pack('<HI', 5, len(chain)) + chain)
    quote = bytearray(header + enclave + struct.pack('<I', len(signature_data)) + signature_data)
    if tamper:
        quote[48 + 64] ^= 0x01  # a bit of MRENCLAVE, after signing
    return cbor2.dumps([bytes(quote), raw_report_data])

write('sgx-good.cbor', bundle())
write('sgx-stale.cbor', bundle(challenge=bytes.fromhex('0102030405060708090a0b0c0d0e0f10')))
write('sgx-debug.cbor', bundle(flags=0x07))
write('sgx-old-svn.cbor', bundle(svn=1))
write('sgx-tampered.cbor', bundle(tamper=True))
write('sgx-qe-binding.cbor', bundle(break_qe_binding=True))
write('sgx-outdated-tcb.cbor', bundle(pck_pair=(old_pck_key, old_pck_cert)))
write('sgx-revoked-pck.cbor', bundle(pck_pair=(revoked_pck_key, revoked_pck_cert)))

# --- Collateral --------------------------------------------------------------------------------
def stamp(delta_days):
    return (now + datetime.timedelta(days=delta_days)).strftime('%Y-%m-%dT%H:%M:%SZ')

def signed_json(member, body, key=signing_key, forge=False):
    text = json.dumps(body, separators=(',', ':'))
    signature = raw_sign(key, text.encode())
    if forge:
        text = text.replace('"UpToDate"', '"UpToDatE"', 1)
    return '{"%s":%s,"signature":"%s"}' % (member, text, signature.hex())

def level(components, pcesvn, status, date):
    return {'tcb': {'sgxtcbcomponents': [{'svn': c} for c in components], 'pcesvn': pcesvn}, 'tcbDate': date, 'tcbStatus': status,
            **({'advisoryIDs': ['INTEL-SA-00615', 'INTEL-SA-00657']} if status != 'UpToDate' else {})}

tcb_info = {'id': 'SGX', 'version': 3, 'issueDate': stamp(-1), 'nextUpdate': stamp(30), 'fmspc': FMSPC.hex(), 'pceId': '0000', 'tcbType': 0,
            'tcbEvaluationDataNumber': 16,
            'tcbLevels': [level(UP_TO_DATE, 13, 'UpToDate', '2024-03-13T00:00:00Z'), level(OLDER, 9, 'OutOfDate', '2019-11-13T00:00:00Z')]}
qe_identity = {'id': 'QE', 'version': 2, 'issueDate': stamp(-1), 'nextUpdate': stamp(30), 'tcbEvaluationDataNumber': 16,
               'miscselect': '00000000', 'miscselectMask': 'FFFFFFFF', 'attributes': '11000000000000000000000000000000',
               'attributesMask': 'FBFFFFFFFFFFFFFF0000000000000000', 'mrsigner': QE_MRSIGNER.hex().upper(), 'isvprodid': 1,
               'tcbLevels': [{'tcb': {'isvsvn': 8}, 'tcbDate': '2024-03-13T00:00:00Z', 'tcbStatus': 'UpToDate'}]}

def crl(issuer, key, revoked):
    builder = (x509.CertificateRevocationListBuilder().issuer_name(name(issuer)).last_update(now - datetime.timedelta(days=1))
               .next_update(now + datetime.timedelta(days=30)))
    for cert in revoked:
        builder = builder.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
                                                  .revocation_date(now - datetime.timedelta(hours=1)).build())
    return builder.sign(key, hashes.SHA256())

for directory in ('collateral', 'collateral-forged', 'collateral-outdated'):
    write(directory + '/tcb-signing-chain.pem', pem(tcb_signing) + pem(root))
    write(directory + '/pck-crl-issuer-chain.pem', pem(processor_ca) + pem(root))
    write(directory + '/pck-processor-crl.pem', crl('Intel SGX PCK Processor CA', ca_key, [revoked_pck_cert]).public_bytes(serialization.Encoding.PEM))
    write(directory + '/root-ca-crl.der', crl('Intel SGX Root CA', root_key, []).public_bytes(serialization.Encoding.DER))
    write(directory + '/qe-identity.json', signed_json('enclaveIdentity', qe_identity))
write('collateral/tcb-info.json', signed_json('tcbInfo', tcb_info))
write('collateral-forged/tcb-info.json', signed_json('tcbInfo', tcb_info, forge=True))
# Intel's later evaluation: what was up to date is now out of date (a newer issue date).
later = json.loads(json.dumps(tcb_info))
later['issueDate'] = stamp(0)
later['tcbEvaluationDataNumber'] = 17
later['tcbLevels'][0]['tcbStatus'] = 'SWHardeningNeeded'
later['tcbLevels'][0]['advisoryIDs'] = ['INTEL-SA-00837']
write('collateral-outdated/tcb-info.json', signed_json('tcbInfo', later))

# --- A CoRIM naming the enclave: class = its MRSIGNER, MRENCLAVE with a minimum ISV SVN ----------
def comid(mrenclave):
    environment = {0: {1: 'ACME', 2: MRSIGNER.hex()}}
    measurements = [{0: 'MRENCLAVE', 1: {1: CBORTag(553, 2), 2: [[1, mrenclave]], 11: 'MRENCLAVE'}},
                    {0: 'MRSIGNER', 1: {2: [[1, MRSIGNER]], 11: 'MRSIGNER'}}]
    return CBORTag(506, cbor2.dumps({1: {0: 'acme-enclave'}, 4: {0: [[environment, measurements]]}}))

write('corim-sgx.cbor', cbor2.dumps(CBORTag(501, {0: 'acme-enclave-corim', 1: [comid(MRENCLAVE)]})))
