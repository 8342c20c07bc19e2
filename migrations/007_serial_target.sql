-- Lowering a serial on purpose goes through RFC 1982 steps: the zone
-- moves to an intermediate serial, and once every secondary has it, on to
-- the target. serial_target is the target while that is under way.
ALTER TABLE zones ADD COLUMN serial_target INTEGER;
