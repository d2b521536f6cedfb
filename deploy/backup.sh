#!/usr/bin/env bash
# Back up the civicapps database while it is running: backup.sh DATABASE BACKUP_FOLDER
#
#   DATABASE       the SQLite file (e.g. /var/lib/civicapps/civicapps.db), or a PostgreSQL URI as libpq
#                  takes it (postgresql://civicapps@127.0.0.1/civicapps; a password in ~/.pgpass)
#   BACKUP_FOLDER  where to write civicapps-YYYYmmdd-HHMMSS.db (SQLite) or .dump (PostgreSQL)
#
# SQLite: sqlite3's online backup (.backup) copies a consistent snapshot while the web tier and
# workers keep writing (WAL mode), then the copy is checked with PRAGMA integrity_check. PostgreSQL:
# pg_dump's custom format (compressed; restore.sh reads it with pg_restore). Backups older than
# KEEP_DAYS days (default 14; 0 keeps all) are deleted afterwards. Prints the backup's path.
# Needs the sqlite3 or postgresql-client package. Restore with deploy/restore.sh.
set -euo pipefail
umask 077  # a backup holds residents' personal data

if [ "$#" -ne 2 ]; then
    echo "usage: $0 DATABASE BACKUP_FOLDER (see the comment at the top of this script)" >&2
    exit 2
fi
database=$1 folder=$2
keep_days=${KEEP_DAYS:-14}
stamp=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$folder"

case "$database" in
postgres://* | postgresql://*)
    target="$folder/civicapps-$stamp.dump"
    pg_dump --format=custom --no-owner --file="$target.partial" "$database"
    mv "$target.partial" "$target"
    pattern='civicapps-*.dump'
    ;;
*)
    if [ ! -f "$database" ]; then
        echo "No SQLite database at $database" >&2
        exit 1
    fi
    target="$folder/civicapps-$stamp.db"
    # .timeout: wait for a writer's lock instead of failing; the copy is taken in one read transaction.
    sqlite3 "$database" ".timeout 30000" ".backup '$target.partial'"
    check=$(sqlite3 "$target.partial" "PRAGMA integrity_check;")
    if [ "$check" != "ok" ]; then
        echo "The backup failed its integrity check: $check" >&2
        exit 1
    fi
    mv "$target.partial" "$target"
    pattern='civicapps-*.db'
    ;;
esac

if [ "$keep_days" -gt 0 ]; then
    find "$folder" -maxdepth 1 -name "$pattern" -mtime "+$keep_days" -delete
fi
echo "$target"
