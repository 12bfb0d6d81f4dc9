-- Outbound TLS policies. `mta_sts_policies`: the MTA-STS policy (RFC 8461 §5) last fetched for
-- each destination domain, with the id of the `_mta-sts` TXT record it came with and when it
-- expires (fetched_at + max_age): used until then, refreshed when the TXT id changes.
CREATE TABLE mta_sts_policies (
    domain      TEXT PRIMARY KEY,
    id          TEXT NOT NULL,
    policy      TEXT NOT NULL,      -- the policy text as fetched
    fetched_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

-- TLS-RPT (RFC 8460 §4): the outbound TLS sessions of each UTC day, counted per policy domain,
-- policy, receiving MX and result ('success' or a result type of §4.3).
CREATE TABLE tls_results (
    day            TEXT NOT NULL,   -- YYYY-MM-DD (UTC)
    domain         TEXT NOT NULL,
    policy_type    TEXT NOT NULL,   -- 'sts', 'tlsa' or 'no-policy-found'
    policy_string  TEXT NOT NULL,   -- the policy's lines, joined by newlines ('' for none)
    mx_host        TEXT NOT NULL,
    receiving_ip   TEXT NOT NULL,
    result         TEXT NOT NULL,
    count          INTEGER NOT NULL,
    PRIMARY KEY (day, domain, policy_type, policy_string, mx_host, receiving_ip, result)
);

-- The days whose reports have been sent (by the worker after the day ended, or `kantor admin
-- tls-report send`).
CREATE TABLE tls_report_days (
    day      TEXT PRIMARY KEY,
    sent_at  INTEGER NOT NULL
);
