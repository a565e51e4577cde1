CREATE FUNCTION f() RETURNS trigger AS $body$
BEGIN
  NEW.x := 1; -- not the end
  RETURN NEW;
END;
$body$ LANGUAGE plpgsql;
DO $$ BEGIN PERFORM 1; END $$;
SELECT $1, E'it\'s;';
