#include "store/migrations.h"

// Conventions for every step:
// - Portable SQL: INTEGER, TEXT, BLOB, CHECK, REFERENCES; timestamps are UTC ISO 8601 TEXT set by
//   the application (they sort as text), so PostgreSQL maps types, not logic (postgresDialect()).
// - Where the engines differ (triggers), MigrationStatement::perEngine spells out both.
// - Released steps are never edited. Add a step.

namespace teep::store {

namespace {

Migration initialSchema()
{
    return {1, QStringLiteral("initial schema"), {
        // Every private key the console holds (TAM, TAM root CA, SP signers). pkcs8 is an
        // EncryptedPrivateKeyInfo (PBES2) unless protection is 'demo-unprotected', the trainers'
        // clearly labelled demo identity.
        QStringLiteral(R"(CREATE TABLE private_keys (
            id INTEGER PRIMARY KEY,
            label TEXT NOT NULL,
            algorithm TEXT NOT NULL,
            public_key_spki BLOB NOT NULL UNIQUE,
            pkcs8 BLOB NOT NULL,
            protection TEXT NOT NULL CHECK (protection IN ('passphrase', 'demo-unprotected')),
            created_at TEXT NOT NULL))"),

        // The TAM's own identities: its signing certificate and key, the chain up to its root, and
        // the root CA's key when this console created the root.
        QStringLiteral(R"(CREATE TABLE tam_identities (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            tam_id TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('csr-pending', 'ready', 'retired')),
            key_id INTEGER NOT NULL REFERENCES private_keys (id) ON DELETE RESTRICT,
            root_key_id INTEGER REFERENCES private_keys (id) ON DELETE RESTRICT,
            certificate_der BLOB,
            ca_chain_pem TEXT,
            csr_der BLOB,
            is_active INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1)),
            created_at TEXT NOT NULL))"),

        // Trust-anchor stores: certificates (or bare public keys for Verifier keys) by store.
        QStringLiteral(R"(CREATE TABLE trust_anchors (
            id INTEGER PRIMARY KEY,
            store TEXT NOT NULL CHECK (store IN ('tam-root', 'tee-root', 'tfw-root', 'sp-signer', 'verifier-key')),
            kind TEXT NOT NULL CHECK (kind IN ('certificate', 'public-key')),
            label TEXT NOT NULL,
            subject TEXT,
            fingerprint_sha256 TEXT NOT NULL,
            der BLOB NOT NULL,
            not_before TEXT,
            not_after TEXT,
            added_at TEXT NOT NULL,
            UNIQUE (store, fingerprint_sha256)))"),

        QStringLiteral(R"(CREATE TABLE service_providers (
            id INTEGER PRIMARY KEY,
            spid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            created_at TEXT NOT NULL))"),

        QStringLiteral(R"(CREATE TABLE sp_certificates (
            id INTEGER PRIMARY KEY,
            sp_id INTEGER NOT NULL REFERENCES service_providers (id) ON DELETE CASCADE,
            certificate_der BLOB NOT NULL,
            fingerprint_sha256 TEXT NOT NULL UNIQUE,
            key_id INTEGER REFERENCES private_keys (id) ON DELETE RESTRICT,
            not_after TEXT,
            added_at TEXT NOT NULL))"),

        QStringLiteral(R"(CREATE TABLE device_groups (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT))"),

        // A device and how the TAM knows its TEEP Agent key: registered by the operator, learned
        // through verified attestation, or (demo only, flagged) trusted on first use.
        QStringLiteral(R"(CREATE TABLE devices (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            serial TEXT UNIQUE,
            model TEXT,
            group_id INTEGER REFERENCES device_groups (id) ON DELETE SET NULL,
            agent_key_spki BLOB,
            agent_key_id BLOB UNIQUE,
            identity_source TEXT NOT NULL CHECK (identity_source IN ('registered', 'attested', 'tofu-demo')),
            compat_profile TEXT NOT NULL DEFAULT 'standard',
            first_contact_at TEXT,
            last_contact_at TEXT,
            created_at TEXT NOT NULL))"),

        // A device may hold several TEEs; messages are routed by tee_name.
        QStringLiteral(R"(CREATE TABLE tees (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
            tee_name TEXT NOT NULL,
            protocol TEXT NOT NULL CHECK (protocol IN ('teep', 'otrp')),
            tee_cert_der BLOB,
            ueid BLOB,
            UNIQUE (device_id, tee_name)))"),

        QStringLiteral(R"(CREATE TABLE security_domains (
            id INTEGER PRIMARY KEY,
            tee_id INTEGER NOT NULL REFERENCES tees (id) ON DELETE CASCADE,
            sp_id INTEGER NOT NULL REFERENCES service_providers (id) ON DELETE RESTRICT,
            tam_identity_id INTEGER REFERENCES tam_identities (id) ON DELETE RESTRICT,
            name TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('desired', 'created', 'deleting')),
            created_at TEXT NOT NULL,
            UNIQUE (tee_id, name)))"),

        // The TA catalog. component_id is the CBOR-encoded SUIT_Component_Identifier.
        QStringLiteral(R"(CREATE TABLE trusted_apps (
            id INTEGER PRIMARY KEY,
            sp_id INTEGER NOT NULL REFERENCES service_providers (id) ON DELETE RESTRICT,
            name TEXT NOT NULL,
            component_id BLOB NOT NULL UNIQUE,
            description TEXT,
            created_at TEXT NOT NULL))"),

        QStringLiteral(R"(CREATE TABLE ta_versions (
            id INTEGER PRIMARY KEY,
            ta_id INTEGER NOT NULL REFERENCES trusted_apps (id) ON DELETE CASCADE,
            sequence_number INTEGER NOT NULL CHECK (sequence_number >= 0),
            version_label TEXT,
            binary_sha256 TEXT NOT NULL,
            binary_size INTEGER NOT NULL CHECK (binary_size >= 0),
            binary_data BLOB,
            manifest BLOB,
            created_at TEXT NOT NULL,
            UNIQUE (ta_id, sequence_number)))"),

        // Device (TEE) x TA version, with where it is on its way.
        QStringLiteral(R"(CREATE TABLE installations (
            id INTEGER PRIMARY KEY,
            tee_id INTEGER NOT NULL REFERENCES tees (id) ON DELETE CASCADE,
            ta_version_id INTEGER NOT NULL REFERENCES ta_versions (id) ON DELETE RESTRICT,
            security_domain_id INTEGER REFERENCES security_domains (id) ON DELETE SET NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'installing', 'installed', 'failed', 'removing', 'removed')),
            detail TEXT,
            updated_at TEXT NOT NULL,
            UNIQUE (tee_id, ta_version_id)))"),

        QStringLiteral(R"(CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            device_id INTEGER REFERENCES devices (id) ON DELETE SET NULL,
            tee_id INTEGER REFERENCES tees (id) ON DELETE SET NULL,
            profile TEXT NOT NULL CHECK (profile IN ('teep', 'otrp')),
            peer_address TEXT,
            state TEXT NOT NULL CHECK (state IN ('open', 'completed', 'failed', 'expired')),
            outcome TEXT,
            started_at TEXT NOT NULL,
            ended_at TEXT))"),

        // Every message of a session, as sent on the wire, for the Message Inspector.
        QStringLiteral(R"(CREATE TABLE session_messages (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('to-device', 'from-device')),
            media_type TEXT NOT NULL,
            body BLOB NOT NULL,
            at TEXT NOT NULL,
            UNIQUE (session_id, seq)))"),

        // One row a verification; checks_json holds every check's outcome.
        QStringLiteral(R"(CREATE TABLE attestation_results (
            id INTEGER PRIMARY KEY,
            tee_id INTEGER NOT NULL REFERENCES tees (id) ON DELETE CASCADE,
            session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
            tier TEXT NOT NULL CHECK (tier IN ('affirming', 'warning', 'contraindicated')),
            checks_json TEXT NOT NULL,
            evidence BLOB,
            verified_at TEXT NOT NULL))"),

        // Append-only and hash-chained: entry_hash = SHA-256(prev_hash || canonical entry).
        QStringLiteral(R"(CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            object_type TEXT,
            object_id TEXT,
            detail_json TEXT,
            prev_hash BLOB,
            entry_hash BLOB NOT NULL))"),
        // Refuse UPDATE and DELETE (and on PostgreSQL TRUNCATE) on the audit log at the database
        // level, each engine in its own trigger language.
        MigrationStatement::perEngine(QStringLiteral(R"(CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)"),
                                      QStringLiteral(R"(CREATE FUNCTION teep_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation'; END $$)")),
        MigrationStatement::perEngine(QStringLiteral(R"(CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END)"),
                                      QStringLiteral("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                                                     "FOR EACH ROW EXECUTE FUNCTION teep_append_only('the audit log is append-only')")),
        MigrationStatement::postgresOnly(QStringLiteral("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                                                        "FOR EACH STATEMENT EXECUTE FUNCTION teep_append_only('the audit log is append-only')")),

        QStringLiteral(R"(CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT))"),
    }};
}

// Indexes for the fleet, inventory and history views (100,000 devices and 1,000,000
// installations must stay interactive). Foreign keys that a UNIQUE constraint already leads are
// not indexed again.
Migration fleetIndexes()
{
    return {2, QStringLiteral("indexes for fleet, inventory and history queries"), {
        QStringLiteral("CREATE INDEX devices_by_group ON devices (group_id)"),
        QStringLiteral("CREATE INDEX devices_by_last_contact ON devices (last_contact_at)"),
        QStringLiteral("CREATE INDEX security_domains_by_sp ON security_domains (sp_id)"),
        QStringLiteral("CREATE INDEX trusted_apps_by_sp ON trusted_apps (sp_id)"),
        QStringLiteral("CREATE INDEX installations_by_version ON installations (ta_version_id, state)"),
        QStringLiteral("CREATE INDEX sessions_by_device ON sessions (device_id, started_at)"),
        QStringLiteral("CREATE INDEX attestation_by_tee ON attestation_results (tee_id, verified_at)"),
        QStringLiteral("CREATE INDEX audit_log_by_time ON audit_log (at)"),
    }};
}

// What the operator decided devices should have: a TA (a fixed version, or the latest when
// sequence_number is NULL) for one device, a group, or every device. Rolling a device back to an
// older version than it has needs allow_rollback.
Migration assignments()
{
    return {3, QStringLiteral("TA assignments; TEE lookup by certificate"), {
        QStringLiteral(R"(CREATE TABLE assignments (
            id INTEGER PRIMARY KEY,
            ta_id INTEGER NOT NULL REFERENCES trusted_apps (id) ON DELETE CASCADE,
            target_kind TEXT NOT NULL CHECK (target_kind IN ('device', 'group', 'all')),
            device_id INTEGER REFERENCES devices (id) ON DELETE CASCADE,
            group_id INTEGER REFERENCES device_groups (id) ON DELETE CASCADE,
            sequence_number INTEGER CHECK (sequence_number IS NULL OR sequence_number >= 0),
            allow_rollback INTEGER NOT NULL DEFAULT 0 CHECK (allow_rollback IN (0, 1)),
            created_at TEXT NOT NULL,
            CHECK ((target_kind = 'device') = (device_id IS NOT NULL)),
            CHECK ((target_kind = 'group') = (group_id IS NOT NULL))))"),
        QStringLiteral("CREATE INDEX assignments_by_ta ON assignments (ta_id)"),
        QStringLiteral("CREATE INDEX assignments_by_device ON assignments (device_id)"),
        QStringLiteral("CREATE INDEX assignments_by_group ON assignments (group_id)"),
        QStringLiteral("CREATE INDEX tees_by_certificate ON tees (tee_cert_der)"),
    }};
}

// What the operator expects a device model's attestation evidence to claim.
Migration referenceValues()
{
    return {4, QStringLiteral("attestation reference values per device model"), {
        QStringLiteral(R"(CREATE TABLE reference_values (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            claim TEXT NOT NULL CHECK (claim IN ('oemid', 'hwversion')),
            expected TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (model, claim)))"),
    }};
}


// Device-initiated requests (RFC 9397 RequestTA / UnrequestTA): the operator's policy per SP and
// per device group, and each device's request with its decision.
Migration taRequests()
{
    return {5, QStringLiteral("device-initiated TA requests, their approval policy; devices by name"), {
        QStringLiteral(R"(CREATE TABLE request_policies (
            id INTEGER PRIMARY KEY,
            sp_id INTEGER REFERENCES service_providers (id) ON DELETE CASCADE,
            group_id INTEGER REFERENCES device_groups (id) ON DELETE CASCADE,
            decision TEXT NOT NULL CHECK (decision IN ('approve', 'refuse', 'hold')),
            created_at TEXT NOT NULL))"),
        QStringLiteral(R"(CREATE TABLE ta_requests (
            id INTEGER PRIMARY KEY,
            device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
            ta_id INTEGER NOT NULL REFERENCES trusted_apps (id) ON DELETE CASCADE,
            sequence_number INTEGER CHECK (sequence_number IS NULL OR sequence_number >= 0),
            have_binary INTEGER NOT NULL DEFAULT 0 CHECK (have_binary IN (0, 1)),
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused', 'withdrawn')),
            reason TEXT,
            requested_at TEXT NOT NULL,
            decided_at TEXT,
            decided_by TEXT,
            UNIQUE (device_id, ta_id)))"),
        QStringLiteral("CREATE INDEX ta_requests_by_status ON ta_requests (status)"),
        // The fleet view pages through devices in name order.
        QStringLiteral("CREATE INDEX devices_by_name ON devices (name, id)"),
    }};
}

// The fleet filter matches a device's name, serial or group: with serial and group in the index
// it pages without reading a device's row unless the row matches (a third fewer instructions on
// 100,000 devices when few match, and so the whole index is walked).
Migration fleetFilterIndex()
{
    return {6, QStringLiteral("the fleet filter reads devices by name from the index alone"), {
        QStringLiteral("DROP INDEX devices_by_name"),
        QStringLiteral("CREATE INDEX devices_by_name ON devices (name, id, serial, group_id)"),
    }};
}

// Deployed TEEP agents (issue #18): a trust tier for devices identified by a registered agent key
// without evidence ('identified'); an attestation policy per device group (NULL: the TAM's
// default, in settings as attestation.policy); the agent key's type, so that an agent that sends
// no kid is looked for among the keys of its signature's type only; and what the device's last
// contact came to, failed or not, for the operator; TA manifests whose payload is fetched by URI.
Migration deployedAgents()
{
    return {7, QStringLiteral("identified tier, attestation policy per group, agent key type, last contact outcome, payloads by URI"), {
        QStringLiteral(R"(CREATE TABLE attestation_results_v7 (
            id INTEGER PRIMARY KEY,
            tee_id INTEGER NOT NULL REFERENCES tees (id) ON DELETE CASCADE,
            session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL,
            tier TEXT NOT NULL CHECK (tier IN ('affirming', 'warning', 'identified', 'contraindicated')),
            checks_json TEXT NOT NULL,
            evidence BLOB,
            verified_at TEXT NOT NULL))"),
        QStringLiteral("INSERT INTO attestation_results_v7 SELECT id, tee_id, session_id, tier, checks_json, evidence, verified_at FROM attestation_results"),
        QStringLiteral("DROP TABLE attestation_results"),
        QStringLiteral("ALTER TABLE attestation_results_v7 RENAME TO attestation_results"),
        // The copied ids were given explicitly: PostgreSQL's identity must continue after them.
        MigrationStatement::postgresOnly(QStringLiteral("SELECT setval(pg_get_serial_sequence('attestation_results', 'id'), "
                                                        "COALESCE(MAX(id), 0) + 1, false) FROM attestation_results")),
        QStringLiteral("CREATE INDEX attestation_by_tee ON attestation_results (tee_id, verified_at)"),
        QStringLiteral("ALTER TABLE device_groups ADD COLUMN attestation_policy TEXT "
                       "CHECK (attestation_policy IS NULL OR attestation_policy IN ('evidence', 'registered-key', 'passport'))"),
        QStringLiteral("ALTER TABLE devices ADD COLUMN agent_key_type TEXT"),
        QStringLiteral("ALTER TABLE devices ADD COLUMN last_outcome TEXT"),
        // The two SubjectPublicKeyInfo prefixes of the agent keys TEEP signs with.
        QStringLiteral("UPDATE devices SET agent_key_type = 'P-256' "
                       "WHERE substr(agent_key_spki, 1, 26) = x'3059301306072a8648ce3d020106082a8648ce3d030107034200'"),
        QStringLiteral("UPDATE devices SET agent_key_type = 'Ed25519' WHERE substr(agent_key_spki, 1, 12) = x'302a300506032b6570032100'"),
        QStringLiteral("CREATE INDEX devices_by_agent_key_type ON devices (agent_key_type, last_contact_at) WHERE agent_key_type IS NOT NULL"),
        // A TA's SUIT envelope that names its payload by URI (the TAM serves it by its digest)
        // instead of carrying it: what agents with small receive buffers are sent.
        QStringLiteral("ALTER TABLE ta_versions ADD COLUMN manifest_by_uri BLOB"),
        QStringLiteral("CREATE INDEX ta_versions_by_digest ON ta_versions (binary_sha256)"),
    }};
}

// Messages that named a registered device but whose signature did not verify: counted on the
// device (when, from where) for the operator, never changing anything else about it.
Migration refusedSignatures()
{
    return {8, QStringLiteral("refused signatures counted per claimed device"), {
        QStringLiteral("ALTER TABLE devices ADD COLUMN refused_signatures INTEGER NOT NULL DEFAULT 0"),
        QStringLiteral("ALTER TABLE devices ADD COLUMN last_refused_signature_at TEXT"),
        QStringLiteral("ALTER TABLE devices ADD COLUMN last_refused_signature_peer TEXT"),
    }};
}

// Signed checkpoints of the audit log (store/auditcheckpoints.h): what a local writer who
// recomputes the hash chain cannot forge. Append-only like the log itself.
Migration auditCheckpoints()
{
    return {9, QStringLiteral("signed audit checkpoints"), {
        QStringLiteral(R"(CREATE TABLE audit_checkpoints (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            entries INTEGER NOT NULL,
            head_id INTEGER NOT NULL,
            head_hash BLOB,
            key_spki BLOB NOT NULL,
            signature BLOB NOT NULL))"),
        MigrationStatement::perEngine(QStringLiteral(R"(CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
            BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END)"),
                                      QStringLiteral("CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints "
                                                     "FOR EACH ROW EXECUTE FUNCTION teep_append_only('audit checkpoints are append-only')")),
        MigrationStatement::perEngine(QStringLiteral(R"(CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
            BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END)"),
                                      QStringLiteral("CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints "
                                                     "FOR EACH STATEMENT EXECUTE FUNCTION teep_append_only('audit checkpoints are append-only')")),
    }};
}

// Every foreign key indexed: deleting (or re-keying) a parent row looks its children up by the
// key, and without an index SQLite reads the whole child table each time. Deleting a session
// nobody answered read every attestation result, evidence and all: half the TAM's time under a
// flood of empty POSTs. The small tables are indexed too, so the rule has no exceptions to
// remember (tst_migrations checks it).
Migration foreignKeyIndexes()
{
    return {10, QStringLiteral("every foreign key indexed"), {
        QStringLiteral("CREATE INDEX attestation_by_session ON attestation_results (session_id) WHERE session_id IS NOT NULL"),
        QStringLiteral("CREATE INDEX sessions_by_tee ON sessions (tee_id) WHERE tee_id IS NOT NULL"),
        QStringLiteral("CREATE INDEX installations_by_security_domain ON installations (security_domain_id) WHERE security_domain_id IS NOT NULL"),
        QStringLiteral("CREATE INDEX request_policies_by_group ON request_policies (group_id)"),
        QStringLiteral("CREATE INDEX request_policies_by_sp ON request_policies (sp_id)"),
        QStringLiteral("CREATE INDEX security_domains_by_tam ON security_domains (tam_identity_id)"),
        QStringLiteral("CREATE INDEX sp_certificates_by_key ON sp_certificates (key_id)"),
        QStringLiteral("CREATE INDEX sp_certificates_by_sp ON sp_certificates (sp_id)"),
        QStringLiteral("CREATE INDEX ta_requests_by_ta ON ta_requests (ta_id)"),
        QStringLiteral("CREATE INDEX tam_identities_by_root_key ON tam_identities (root_key_id)"),
        QStringLiteral("CREATE INDEX tam_identities_by_key ON tam_identities (key_id)"),
    }};
}

// Several consoles and servers on one PostgreSQL database: every committed change moves a
// counter that each console polls (what SQLite's PRAGMA data_version is on a file) and announces
// itself on the channel teep_changes, naming the table, for consoles that LISTEN. Statement-level
// triggers: one bump per statement, however many rows it touches. SQLite needs nothing.
Migration changeAnnouncements()
{
    static const char *const tables[] = {
        "private_keys",     "tam_identities",    "trust_anchors",  "service_providers", "sp_certificates", "device_groups",
        "devices",          "tees",              "security_domains", "trusted_apps",    "ta_versions",     "installations",
        "sessions",         "session_messages",  "attestation_results", "audit_log",    "settings",        "assignments",
        "reference_values", "request_policies",  "ta_requests",    "audit_checkpoints"};
    QList<MigrationStatement> statements{
        MigrationStatement::postgresOnly(QStringLiteral("CREATE SEQUENCE teep_data_version")),
        MigrationStatement::postgresOnly(QStringLiteral(R"(CREATE FUNCTION teep_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM nextval('teep_data_version'); PERFORM pg_notify('teep_changes', TG_TABLE_NAME); RETURN NULL; END $$)")),
    };
    for (const char *table : tables)
        statements << MigrationStatement::postgresOnly(QStringLiteral("CREATE TRIGGER %1_announce AFTER INSERT OR UPDATE OR DELETE ON %1 "
                                                                      "FOR EACH STATEMENT EXECUTE FUNCTION teep_announce_change()")
                                                           .arg(QLatin1String(table)));
    return {11, QStringLiteral("changes announced to other consoles (PostgreSQL)"), statements};
}

// Several TAM servers on one database: each running server has a row it keeps fresh, and each open
// session names the server that holds its state. A server that starts closes only the sessions of
// servers that are gone (their row stale or missing), never those of a live one. The rows are
// liveness, not data: they announce no change to consoles and are not copied.
Migration tamServers()
{
    return {12, QStringLiteral("TAM servers and the sessions each holds"), {
        QStringLiteral(R"(CREATE TABLE tam_servers (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            seen_at TEXT NOT NULL))"),
        QStringLiteral("ALTER TABLE sessions ADD COLUMN server_id TEXT"),
        QStringLiteral("CREATE INDEX sessions_open_by_server ON sessions (server_id) WHERE state = 'open'"),
    }};
}

// Sessions any server continues: on a shared database an open session's state lives here between
// messages, under the key the device's next message carries (TEEP: the token of the request in
// flight; OTrP: the tid), so that whichever server the message reaches takes it on. Like
// tam_servers, liveness rather than data: no change announced, not copied.
Migration openSessions()
{
    return {13, QStringLiteral("open sessions' state, for any server sharing the database"), {
        QStringLiteral(R"(CREATE TABLE open_sessions (
            profile TEXT NOT NULL,
            session_key BLOB NOT NULL,
            session_id INTEGER,
            device_id INTEGER,
            proven INTEGER NOT NULL DEFAULT 0,
            started_ms INTEGER NOT NULL,
            active_ms INTEGER NOT NULL,
            state BLOB NOT NULL,
            PRIMARY KEY (profile, session_key)))"),
        QStringLiteral("CREATE INDEX open_sessions_by_activity ON open_sessions (profile, active_ms)"),
        QStringLiteral("CREATE INDEX open_sessions_by_session ON open_sessions (session_id)"),
        QStringLiteral("CREATE INDEX open_sessions_by_device ON open_sessions (profile, device_id)"),
    }};
}

// A fleet of a million devices: the filter ("contains", any case) finds the few devices a
// serial or a name fragment names without reading every name. SQLite: an FTS5 trigram index
// over name and serial (one line each), kept by triggers; PostgreSQL: pg_trgm's GIN indexes,
// which its planner uses for ILIKE '%...%' (a trusted extension: the database's owner may
// create it; an administrator may have created it already; without it, no index).
Migration deviceSearch()
{
    const auto sqliteOnly = [](const QString &sql) { return MigrationStatement::perEngine(sql, QString()); };
    return {14, QStringLiteral("device search by name and serial fragments"), {
        sqliteOnly(QStringLiteral("CREATE VIRTUAL TABLE device_search USING fts5(text, tokenize = 'trigram')")),
        sqliteOnly(QStringLiteral("INSERT INTO device_search (rowid, text) SELECT id, name || char(10) || COALESCE(serial, '') FROM devices")),
        sqliteOnly(QStringLiteral("CREATE TRIGGER devices_search_insert AFTER INSERT ON devices BEGIN "
                                  "INSERT INTO device_search (rowid, text) VALUES (new.id, new.name || char(10) || COALESCE(new.serial, '')); END")),
        sqliteOnly(QStringLiteral("CREATE TRIGGER devices_search_update AFTER UPDATE OF name, serial ON devices BEGIN "
                                  "UPDATE device_search SET text = new.name || char(10) || COALESCE(new.serial, '') WHERE rowid = new.id; END")),
        sqliteOnly(QStringLiteral("CREATE TRIGGER devices_search_delete AFTER DELETE ON devices BEGIN DELETE FROM device_search WHERE rowid = old.id; END")),
        // An index, not a rule: a role that may not create the extension (nor find it made)
        // gets the walk by name, and the README says how an administrator adds it later.
        MigrationStatement::postgresOnly(QStringLiteral(R"(DO $$ BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
                RAISE NOTICE 'pg_trgm not available (%): the device filter reads names in order', SQLERRM;
            END $$)")),
        MigrationStatement::postgresOnly(QStringLiteral(R"(DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
                CREATE INDEX devices_name_trigrams ON devices USING gin (name gin_trgm_ops);
                CREATE INDEX devices_serial_trigrams ON devices USING gin (serial gin_trgm_ops);
            END IF;
            END $$)")),
    }};
}

// "Remove this TA from this device" while it stays assigned to the device's group or to all: a
// device assignment that excludes, the most specific assignment winning as before.
Migration assignmentExclusions()
{
    return {15, QStringLiteral("assignments that remove a TA from one device; sessions by start time"), {
        QStringLiteral("ALTER TABLE assignments ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1))"),
        // The Overview's sessions per hour read the last day only.
        QStringLiteral("CREATE INDEX sessions_by_start ON sessions (started_at)"),
    }};
}

// Keys in PKCS#11 tokens (HSMs, smart cards): the row keeps the token URI and the public key;
// pkcs8 stays empty, the private key never leaves the token ('passphrase': the token's PIN
// protects it, and the key store's passphrase probe skips these rows).
Migration tokenKeys()
{
    return {16, QStringLiteral("private keys kept in PKCS#11 tokens"), {
        QStringLiteral("ALTER TABLE private_keys ADD COLUMN token_uri TEXT"),
    }};
}

// Key rollover: a TAM identity replaced by a new one keeps signing beside it (its overlap) until
// the operator retires it; overlap_until is the end the operator planned, shown, not enforced.
Migration tamRollover()
{
    return {17, QStringLiteral("TAM identities in a rollover's overlap; SP signer certificates retired"), {
        QStringLiteral("ALTER TABLE tam_identities ADD COLUMN overlap_until TEXT"),
        QStringLiteral("ALTER TABLE sp_certificates ADD COLUMN retired_at TEXT"),
    }};
}

// Reference values from CoRIM files: each import keeps its source, its signer (when signed) and
// the file's own bytes (kept for audit, re-read for nothing); one row per measurement, the
// environment's keys in columns for lookup, the measurement in JSON. Each attestation result keeps
// its trust vector.
Migration corimReferences()
{
    QList<MigrationStatement> statements{
        QStringLiteral(R"(CREATE TABLE corim_imports (
            id INTEGER PRIMARY KEY,
            corim_id TEXT NOT NULL,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            signer TEXT,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL))"),
        QStringLiteral(R"(CREATE TABLE corim_measurements (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES corim_imports (id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('reference', 'endorsed')),
            class_id TEXT NOT NULL,
            vendor TEXT NOT NULL,
            model TEXT NOT NULL,
            instance_ueid TEXT NOT NULL,
            instance_other TEXT NOT NULL,
            measurement TEXT NOT NULL))"),
        QStringLiteral("CREATE INDEX corim_measurements_by_import ON corim_measurements (import_id)"),
        // A session reads the rows about its device: by model, class id or instance (an OR of the three).
        QStringLiteral("CREATE INDEX corim_measurements_by_model ON corim_measurements (model)"),
        QStringLiteral("CREATE INDEX corim_measurements_by_class ON corim_measurements (class_id)"),
        QStringLiteral("CREATE INDEX corim_measurements_by_instance ON corim_measurements (instance_ueid)"),
        // The AR4SI trust vector of each appraisal (JSON), beside its checks.
        QStringLiteral("ALTER TABLE attestation_results ADD COLUMN trust_vector TEXT"),
    };
    for (const char *table : {"corim_imports", "corim_measurements"})
        statements << MigrationStatement::postgresOnly(QStringLiteral("CREATE TRIGGER %1_announce AFTER INSERT OR UPDATE OR DELETE ON %1 "
                                                                      "FOR EACH STATEMENT EXECUTE FUNCTION teep_announce_change()")
                                                           .arg(QLatin1String(table)));
    return {18, QStringLiteral("reference values imported from CoRIM; trust vectors of attestation results"), statements};
}

// Intel's collateral for SGX quotes (TCB info, QE identity, CRLs and the certificates that sign
// them), as imported: each file's own bytes, verified again whenever it is read.
Migration sgxCollateral()
{
    return {19, QStringLiteral("Intel SGX collateral (TCB info, QE identity, CRLs)"), {
        QStringLiteral(R"(CREATE TABLE sgx_collateral (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('tcb-info', 'qe-identity', 'crl', 'certificates')),
            subject TEXT NOT NULL,
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            content BLOB NOT NULL,
            issued TEXT,
            next_update TEXT,
            imported_at TEXT NOT NULL,
            imported_by TEXT NOT NULL))"),
        MigrationStatement::postgresOnly(QStringLiteral("CREATE TRIGGER sgx_collateral_announce AFTER INSERT OR UPDATE OR DELETE ON sgx_collateral "
                                                        "FOR EACH STATEMENT EXECUTE FUNCTION teep_announce_change()")),
    }};
}

} // namespace

const MigrationList &schemaMigrations()
{
    static const MigrationList migrations{initialSchema(),    fleetIndexes(),     assignments(),  referenceValues(), taRequests(),
                                          fleetFilterIndex(), deployedAgents(), refusedSignatures(),  auditCheckpoints(),
                                          foreignKeyIndexes(), changeAnnouncements(), tamServers(),  openSessions(), deviceSearch(),
                                          assignmentExclusions(), tokenKeys(), tamRollover(), corimReferences(),
                                          sgxCollateral()};
    return migrations;
}

int latestSchemaVersion()
{
    return static_cast<int>(schemaMigrations().size());
}

} // namespace teep::store
