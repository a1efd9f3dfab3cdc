-- The ThumbHash placeholder of a user's photo (issue 12): about 25 bytes, written with the
-- photo in one statement; NULL without a photo, and for photos stored before this migration
-- until `portrait backfill` reads them.
ALTER TABLE users ADD COLUMN photo_thumbhash BYTEA;
