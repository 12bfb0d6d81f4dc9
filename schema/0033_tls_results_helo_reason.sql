-- TLS-RPT (RFC 8460 §4.4): a failure detail may name the receiving server's greeting name
-- (`receiving-mx-helo`) and the failure's reason (`failure-reason-code`), so failed sessions
-- are counted per both too (one failure-details entry per distinct result type, sending
-- address, receiving MX, greeting name and reason). SQLite cannot change a primary key in
-- place: the table is rebuilt with both in the key, its rows copied ('' for both, unknown
-- before; successes are always recorded with '').
CREATE TABLE tls_results_new (
    day            TEXT NOT NULL,   -- YYYY-MM-DD (UTC)
    domain         TEXT NOT NULL,
    policy_type    TEXT NOT NULL,   -- 'sts', 'tlsa' or 'no-policy-found'
    policy_string  TEXT NOT NULL,   -- the policy's lines, joined by newlines ('' for none)
    mx_host        TEXT NOT NULL,
    receiving_ip   TEXT NOT NULL,
    sending_ip     TEXT NOT NULL DEFAULT '',  -- our end of the session ('' when none was opened)
    receiving_helo TEXT NOT NULL DEFAULT '',  -- the name in the server's EHLO reply or greeting
    result         TEXT NOT NULL,
    failure_reason TEXT NOT NULL DEFAULT '',  -- a failure's reason, at most 200 octets
    count          INTEGER NOT NULL,
    PRIMARY KEY (day, domain, policy_type, policy_string, mx_host, receiving_ip, sending_ip,
                 receiving_helo, result, failure_reason)
);
INSERT INTO tls_results_new (day, domain, policy_type, policy_string, mx_host, receiving_ip,
        sending_ip, receiving_helo, result, failure_reason, count)
    SELECT day, domain, policy_type, policy_string, mx_host, receiving_ip, sending_ip, '',
        result, '', count
    FROM tls_results;
DROP TABLE tls_results;
ALTER TABLE tls_results_new RENAME TO tls_results;
