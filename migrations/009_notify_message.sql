-- Why the last NOTIFY of a target ended as it did, in words an operator
-- can act on (REFUSED and NOTAUTH name the likely cause on the
-- secondary's side, a reply whose TSIG did not verify says so); '' when
-- there is nothing to add to last_result.
ALTER TABLE notify_state ADD COLUMN last_message TEXT NOT NULL DEFAULT '';
