-- The wire form of each record's RDATA, written with the record, so that
-- building a zone's snapshot does not parse presentation text again.
-- NULL for ALIAS and URL (they have no RDATA of their own) and for rows
-- written before this migration (the DNS side fills those in).
ALTER TABLE records ADD COLUMN rdata BLOB;
