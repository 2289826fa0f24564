-- The PostgreSQL side of the marts (orchestration/warehouse/postgres.py), set up once by the
-- database administrator as a superuser:  psql -X -v ON_ERROR_STOP=1 -f deploy/postgres-marts.sql
-- No password is set here: give monitoring_publisher one (\password) or peer/certificate
-- authentication in pg_hba.conf, and each analyst a login role of their own in monitoring_reader.

-- Reads the marts and nothing else: the publish grants it USAGE on schema marts and SELECT on
-- each table it publishes; analysts are its members:  create role <login> login in role monitoring_reader;
create role monitoring_reader nologin;

-- The pipeline's publish step (MONITORING_POSTGRES_DSN): owns the database, so it creates the
-- staging schema and the tables it swaps into marts; no other right on the server.
create role monitoring_publisher login;
create database monitoring owner monitoring_publisher;
-- Nobody but the owner creates temporary tables there either: PUBLIC holds TEMP on every new
-- database by default, and the reader only reads (the publish revokes it too, on the database
-- it publishes to, should that be another).
revoke temporary on database monitoring from public;

\connect monitoring
-- Nobody but the owner creates anything in the public schema (PostgreSQL 15's default, kept on
-- older servers too); analysts' queries find the marts without a schema name.
revoke create on schema public from public;
alter database monitoring set search_path = marts, public;
