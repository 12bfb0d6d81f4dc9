# The benchmark's 20-rule script (docs/benchmarks.md, "Sieve"): a typical user's filters. The
# load tool's messages match none of the first 19 rules, so every test is evaluated and the
# message is kept in INBOX (the delivery check reads it there over POP3).
require ["fileinto", "imap4flags", "envelope", "body", "relational", "comparator-i;ascii-numeric", "variables", "mailbox"];
if header :contains "List-Id" "announce" { fileinto :create "Lists/announce"; stop; }
if header :contains "List-Id" "dev" { fileinto :create "Lists/dev"; stop; }
if address :domain :is "from" "newsletter.example" { fileinto :create "News"; stop; }
if address :is "from" "boss@example.com" { addflag "\\Flagged"; }
if header :matches "subject" "*[SPAM]*" { fileinto :create "Junk"; stop; }
if header :contains "subject" "invoice" { fileinto :create "Invoices"; stop; }
if header :contains "subject" "receipt" { fileinto :create "Receipts"; stop; }
if envelope :domain :is "from" "alerts.example" { fileinto :create "Alerts"; stop; }
if header :value "ge" :comparator "i;ascii-numeric" "X-Spam-Score" "5" { fileinto :create "Junk"; stop; }
if exists "X-Mailing-List" { fileinto :create "Lists"; stop; }
if header :contains "from" "github.com" { fileinto :create "GitHub"; stop; }
if header :contains "from" "jira" { fileinto :create "Jira"; stop; }
if header :is "precedence" "bulk" { fileinto :create "Bulk"; stop; }
if size :over 5M { addflag "$large"; }
if header :contains "subject" ["urgent", "asap"] { addflag "\\Flagged"; }
if header :matches "subject" "Re: *" { set "thread" "${1}"; }
if address :localpart :is "to" "sales" { fileinto :create "Sales"; stop; }
if address :localpart :is "to" "support" { fileinto :create "Support"; stop; }
if body :contains "unsubscribe here" { fileinto :create "Promotions"; stop; }
keep;
