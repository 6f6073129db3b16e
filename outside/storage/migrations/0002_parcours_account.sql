-- A journey a signed-in parent runs is found again by its account and kind (records/journeys.py),
-- after signing in again in a new session.
CREATE INDEX "parcours__account_id__kind" ON "parcours" ((doc->>'account_id'), (doc->>'kind'));
