-- The issue order of certificates, the cursor `jeton server` follows (Store::certificates_since)
-- instead of re-reading every certificate: taken from `sequences` in the issuing transaction,
-- whose row lock (PostgreSQL) or write lock (SQLite) makes it grow in commit order. Rows
-- issued before this migration share seq 0 and are read by a follower's first pass.
ALTER TABLE certificates ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
CREATE INDEX certificates_ca_seq ON certificates (ca, seq);
