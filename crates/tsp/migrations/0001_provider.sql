-- Jeton provider storage, one schema for SQLite and PostgreSQL (run through sqlx's Any
-- driver). Portable on purpose: TEXT, BIGINT and BYTEA only (SQLite stores BYTEA values as
-- blobs), times as BIGINT seconds since the Unix epoch, counters in `sequences` instead of
-- AUTOINCREMENT/SERIAL, no booleans.

-- Every key the provider signs with: root and issuing CAs, the OCSP responder, the TSA.
CREATE TABLE cas (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    issuer      TEXT,
    certificate BYTEA NOT NULL,
    key_ref     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- Every certificate issued, by its issuer and serial (upper-case hex).
CREATE TABLE certificates (
    ca         TEXT NOT NULL REFERENCES cas (name),
    serial     TEXT NOT NULL,
    profile    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    der        BYTEA NOT NULL,
    not_before BIGINT NOT NULL,
    not_after  BIGINT NOT NULL,
    issued_at  BIGINT NOT NULL,
    PRIMARY KEY (ca, serial)
);

-- One row per revoked certificate, never deleted: there is no hold. `revoked_at` may be in
-- the future (revocation on a leaving date); `id` orders revocations for followers.
CREATE TABLE revocations (
    ca              TEXT NOT NULL,
    serial          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    revoked_at      BIGINT NOT NULL,
    invalidity_date BIGINT,
    recorded_at     BIGINT NOT NULL,
    id              BIGINT NOT NULL UNIQUE,
    PRIMARY KEY (ca, serial),
    FOREIGN KEY (ca, serial) REFERENCES certificates (ca, serial)
);

CREATE TABLE crls (
    ca          TEXT NOT NULL REFERENCES cas (name),
    number      BIGINT NOT NULL,
    der         BYTEA NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT,
    PRIMARY KEY (ca, number)
);

-- Monotonic counters: `tsa`, `revocation`, `crl:<ca>`. Taken with UPDATE … RETURNING, which
-- locks the row in PostgreSQL and the database in SQLite, so two processes never get the
-- same value.
CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO sequences (name, value) VALUES ('tsa', 0);
INSERT INTO sequences (name, value) VALUES ('revocation', 0);

-- The hash-chained audit log: `hash` = SHA-256 over the entry with `prev_hash`;
-- `head_signature` signs (seq, hash) with the provider's audit key when the appender held it.
CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    kind           TEXT NOT NULL,
    actor          TEXT NOT NULL,
    details        TEXT NOT NULL,
    prev_hash      BYTEA NOT NULL,
    hash           BYTEA NOT NULL,
    head_signature BYTEA
);

-- The head of the audit log (its one row is written by the store when it opens, with a
-- bound all-zero hash: X'' literals are bit strings in PostgreSQL); its row lock serialises
-- appenders.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
