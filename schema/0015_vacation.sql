-- An account's out-of-office reply (JMAP VacationResponse, RFC 8621 §8): stored now, sent by the
-- rules of the sharing and filtering issue (Sieve vacation, RFC 5230). One row per account that
-- ever set one; dates are UTC, Unix seconds.
CREATE TABLE vacation (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    enabled     INTEGER NOT NULL,
    from_date   INTEGER,
    to_date     INTEGER,
    subject     TEXT,
    text_body   TEXT,
    html_body   TEXT
);
