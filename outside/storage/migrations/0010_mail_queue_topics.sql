-- The mail queue's keys (records/mail_queue.py): by topic, the mails a newer one about the same
-- thing supersedes; by school and state, the mails a school's staff may send again once given up.
-- Rows written before have neither field: none is superseded, none listed for a school.
CREATE INDEX "mail_queue__topic" ON "mail_queue" ((doc->>'topic'));
CREATE INDEX "mail_queue__uai__state" ON "mail_queue" ((doc->>'uai'), (doc->>'state'));
