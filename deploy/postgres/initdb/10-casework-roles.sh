#!/bin/sh
# Runs once, when the db service initialises an empty data directory (the official image
# runs /docker-entrypoint-initdb.d/* as the bootstrap superuser). Creates the two roles
# casework uses and hands the database to the owner:
#
#   CASEWORK_OWNER     owns the database and every table; runs migrations and the
#                      privilege grants (the migrate service), nothing else
#   CASEWORK_APP_USER  what the web process connects as: no superuser, owns nothing,
#                      may not create anything; its table privileges are granted by
#                      `manage.py grant_app_role` after each migration
#
# Passwords are passed to psql as variables and quoted by psql (:'name'), never spliced.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" \
    -v owner="$CASEWORK_OWNER" -v owner_password="$CASEWORK_OWNER_PASSWORD" \
    -v app="$CASEWORK_APP_USER" -v app_password="$CASEWORK_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
ALTER DATABASE :"db" OWNER TO :"owner";
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT CONNECT ON DATABASE :"db" TO :"app";
GRANT USAGE ON SCHEMA public TO :"app";
SQL
