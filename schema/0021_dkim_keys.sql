-- DKIM signing keys (RFC 6376, RFC 8463): for each local domain an RSA-2048 and an Ed25519 key,
-- made when the domain is added (or at start for older domains). `private_key` is the PKCS#8
-- DER; `public_key` the base64 of what the DNS record's p= carries. Removing the domain removes
-- its keys.
CREATE TABLE dkim_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id    INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
    selector     TEXT NOT NULL,
    algorithm    TEXT NOT NULL,      -- 'rsa-sha256' or 'ed25519-sha256'
    private_key  BLOB NOT NULL,
    public_key   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (domain_id, selector)
);
