#!/bin/sh
# Restore a dump made by deploy/backup.sh into an EMPTY database (create it first: createdb, or CREATE DATABASE).
# Stop web, the workers and beat before restoring over the live database's replacement, then point
# DATABASE_URL at it and start them (docs/operations.md, "Backups").
#
#   DATABASE_URL=postgres://gradient:...@db-host:5432/gradient_restored deploy/restore.sh FILE
#
# It refuses a database that already has tables: restoring over live data would mix two states.
set -eu

dump="${1:?usage: restore.sh FILE (a dump written by deploy/backup.sh)}"
url="${DATABASE_URL:?set DATABASE_URL to the empty database to restore into}"

tables=$(psql --no-psqlrc --tuples-only --no-align --dbname="$url" \
    --command="select count(*) from pg_tables where schemaname = 'public'")
if [ "$tables" != "0" ]; then
    echo "restore: the target database has $tables tables; restore into an empty database" >&2
    exit 2
fi
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$url" "$dump"
echo "restore: $dump restored"
