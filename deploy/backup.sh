#!/bin/sh
# Dump Gradient's PostgreSQL database to one file, in pg_dump's custom format (compressed; pg_restore reads it
# back table by table). Run it from cron (docs/operations.md, "Backups"); copy the files off the host.
#
#   DATABASE_URL=postgres://gradient:...@db-host:5432/gradient deploy/backup.sh [FILE]
#
# Without FILE it writes $BACKUP_DIR/gradient-<UTC time>.dump (BACKUP_DIR: /var/backups/gradient) and removes
# dumps there older than $BACKUP_KEEP_DAYS days (14). The dump is written beside its name first and renamed
# only once pg_restore can read its table of contents, so a failed or cut-short dump never looks like a backup.
set -eu

url="${DATABASE_URL:?set DATABASE_URL to the database to back up}"
dir="${BACKUP_DIR:-/var/backups/gradient}"
out="${1:-$dir/gradient-$(date -u +%Y-%m-%dT%H%M%SZ).dump}"
partial="$out.partial"

trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-owner --no-privileges --dbname="$url" --file="$partial"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$out"
trap - EXIT
echo "backup: $out ($(wc -c <"$out") bytes)"

if [ $# -eq 0 ]; then
    find "$dir" -maxdepth 1 -name 'gradient-*.dump' -mtime +"${BACKUP_KEEP_DAYS:-14}" -print -delete
fi
