#!/usr/bin/env bash
# Restore a backup made by backup.sh: restore.sh BACKUP DATABASE
#
#   BACKUP    a civicapps-*.db (SQLite) or civicapps-*.dump (PostgreSQL) file from backup.sh
#   DATABASE  the SQLite file to replace, or the PostgreSQL URI of the database to restore into
#             (it must exist: createdb it first if it was lost; what is in it now is replaced)
#
# Stop the web tier and the workers first (systemctl stop civicapps-web 'civicapps-worker@*'): a
# process still holding the old database would keep writing to it. Then run `civicapps db status`
# (and `civicapps db upgrade` if the backup is older than the installed release) and start them again.
set -euo pipefail
umask 077

if [ "$#" -ne 2 ]; then
    echo "usage: $0 BACKUP DATABASE (see the comment at the top of this script)" >&2
    exit 2
fi
backup=$1 database=$2
if [ ! -f "$backup" ]; then
    echo "No backup at $backup" >&2
    exit 1
fi

case "$database" in
postgres://* | postgresql://*)
    # One transaction: an error leaves the database as it was instead of half restored.
    pg_restore --clean --if-exists --no-owner --single-transaction --exit-on-error --dbname="$database" "$backup"
    ;;
*)
    check=$(sqlite3 "$backup" "PRAGMA integrity_check;")
    if [ "$check" != "ok" ]; then
        echo "The backup failed its integrity check: $check" >&2
        exit 1
    fi
    # Copy next to the database, then swap it in. The old write-ahead log and shared-memory files
    # belong to the old database: left beside the restored one, SQLite would replay them into it.
    cp "$backup" "$database.restoring"
    rm -f "$database-wal" "$database-shm"
    mv "$database.restoring" "$database"
    ;;
esac
echo "Restored $backup into $database"
