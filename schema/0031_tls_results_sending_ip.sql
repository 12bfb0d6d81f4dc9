-- TLS-RPT (RFC 8460 §4.4): each failure detail names the sending MTA's address
-- (`sending-mta-ip`), so sessions are counted per local address too. SQLite cannot change a
-- primary key in place: the table is rebuilt with `sending_ip` in the key, its rows copied
-- (with '' for the address, unknown before).
CREATE TABLE tls_results_new (
    day            TEXT NOT NULL,   -- YYYY-MM-DD (UTC)
    domain         TEXT NOT NULL,
    policy_type    TEXT NOT NULL,   -- 'sts', 'tlsa' or 'no-policy-found'
    policy_string  TEXT NOT NULL,   -- the policy's lines, joined by newlines ('' for none)
    mx_host        TEXT NOT NULL,
    receiving_ip   TEXT NOT NULL,
    sending_ip     TEXT NOT NULL DEFAULT '',  -- our end of the session ('' when none was opened)
    result         TEXT NOT NULL,
    count          INTEGER NOT NULL,
    PRIMARY KEY (day, domain, policy_type, policy_string, mx_host, receiving_ip, sending_ip, result)
);
INSERT INTO tls_results_new (day, domain, policy_type, policy_string, mx_host, receiving_ip,
        sending_ip, result, count)
    SELECT day, domain, policy_type, policy_string, mx_host, receiving_ip, '', result, count
    FROM tls_results;
DROP TABLE tls_results;
ALTER TABLE tls_results_new RENAME TO tls_results;
