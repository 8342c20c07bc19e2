/* db_zone.c -- SQL for zones. */
#include "db_zone.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define ZONE_COLS "id, account_id, name, serial_policy, serial, soa_mname, " \
	"soa_rname, soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minimum, " \
	"dnssec, created_at, updated_at, serial_target"

void db_zone_clear(db_zone *z)
{
	if (z == NULL)
		return;
	free(z->name);
	zf_soa_clear(&z->soa);
	memset(z, 0, sizeof(*z));
}

void db_zone_array_free(db_zone *zones, size_t n)
{
	for (size_t i = 0; zones != NULL && i < n; i++)
		db_zone_clear(&zones[i]);
	free(zones);
}

static int read_zone(sqlite3_stmt *st, db_zone *z)
{
	memset(z, 0, sizeof(*z));
	z->id = sqlite3_column_int64(st, 0);
	z->account_id = sqlite3_column_int64(st, 1);
	z->name = db_col_strdup(st, 2);
	if (!serial_policy_parse((const char *)sqlite3_column_text(st, 3),
				 &z->policy))
		z->policy = SERIAL_INCREMENT;
	z->soa.serial = (uint32_t)sqlite3_column_int64(st, 4);
	z->soa.mname = db_col_strdup(st, 5);
	z->soa.rname = db_col_strdup(st, 6);
	z->soa.ttl = (uint32_t)sqlite3_column_int64(st, 7);
	z->soa.refresh = (uint32_t)sqlite3_column_int64(st, 8);
	z->soa.retry = (uint32_t)sqlite3_column_int64(st, 9);
	z->soa.expire = (uint32_t)sqlite3_column_int64(st, 10);
	z->soa.minimum = (uint32_t)sqlite3_column_int64(st, 11);
	z->dnssec = sqlite3_column_int(st, 12) != 0;
	z->created_at = sqlite3_column_int64(st, 13);
	z->updated_at = sqlite3_column_int64(st, 14);
	z->lowering = sqlite3_column_type(st, 15) != SQLITE_NULL;
	z->serial_target = (uint32_t)sqlite3_column_int64(st, 15);
	if (z->name == NULL || z->soa.mname == NULL || z->soa.rname == NULL) {
		db_zone_clear(z);
		return AX_ENOMEM;
	}
	return AX_OK;
}

static void bind_soa(sqlite3_stmt *st, int col, const zf_soa *soa)
{
	sqlite3_bind_int64(st, col, soa->serial);
	sqlite3_bind_text(st, col + 1, soa->mname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, col + 2, soa->rname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, col + 3, soa->ttl);
	sqlite3_bind_int64(st, col + 4, soa->refresh);
	sqlite3_bind_int64(st, col + 5, soa->retry);
	sqlite3_bind_int64(st, col + 6, soa->expire);
	sqlite3_bind_int64(st, col + 7, soa->minimum);
}

int db_zone_insert(db *d, db_zone *z)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "INSERT INTO zones (serial, soa_mname, soa_rname, "
			     "soa_ttl, soa_refresh, soa_retry, soa_expire, soa_minimum, "
			     "account_id, name, serial_policy, dnssec, created_at, "
			     "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			     &st)) != AX_OK)
		return rc;
	bind_soa(st, 1, &z->soa);
	sqlite3_bind_int64(st, 9, z->account_id);
	sqlite3_bind_text(st, 10, z->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, serial_policy_name(z->policy), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, z->dnssec);
	sqlite3_bind_int64(st, 13, z->created_at);
	sqlite3_bind_int64(st, 14, z->updated_at);
	rc = db_exec_stmt(d, st);
	if (rc == AX_OK)
		z->id = sqlite3_last_insert_rowid(d->conn);
	return rc;
}

int db_zone_get(db *d, int64_t account_id, const char *name, db_zone *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(d, "SELECT " ZONE_COLS " FROM zones WHERE name = ? "
			     "AND (? < 0 OR account_id = ?)", &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, account_id);
	sqlite3_bind_int64(st, 3, account_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = read_zone(st, out);
	else
		rc = rc == SQLITE_DONE ? AX_ENOTFOUND : db_err(rc);
	db_done(d, st);
	return rc;
}

int db_zone_list(db *d, int64_t account_id, int64_t offset, int64_t limit,
		 db_zone **out, size_t *n, int64_t *total)
{
	sqlite3_stmt *st;
	db_zone *arr;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	*total = 0;
	if ((rc = db_count(d, "SELECT count(*) FROM zones WHERE account_id = ?",
			   account_id, total)) != AX_OK)
		return rc;
	if ((rc = db_prepare(d, "SELECT " ZONE_COLS " FROM zones WHERE account_id = ? "
			     "ORDER BY name LIMIT ? OFFSET ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, limit);
	sqlite3_bind_int64(st, 3, offset);
	if ((arr = calloc((size_t)limit + 1, sizeof(*arr))) == NULL) {
		db_done(d, st);
		return AX_ENOMEM;
	}
	rc = AX_OK;
	while (rc == AX_OK && cnt < (size_t)limit) {
		int s = sqlite3_step(st);
		if (s != SQLITE_ROW) {
			rc = db_err(s);
			break;
		}
		if ((rc = read_zone(st, &arr[cnt])) == AX_OK)
			cnt++;
	}
	db_done(d, st);
	if (rc != AX_OK) {
		db_zone_array_free(arr, cnt);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return AX_OK;
}

int db_zone_delete(db *d, int64_t zone_id)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "DELETE FROM zones WHERE id = ?", &st)) != AX_OK)
		return rc;
	sqlite3_bind_int64(st, 1, zone_id);
	if ((rc = db_exec_stmt(d, st)) != AX_OK)
		return rc;
	return sqlite3_changes(d->conn) > 0 ? AX_OK : AX_ENOTFOUND;
}

int db_zone_update_soa(db *d, int64_t zone_id, const zf_soa *soa, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET serial = ?, soa_mname = ?, "
			     "soa_rname = ?, soa_ttl = ?, soa_refresh = ?, soa_retry = ?, "
			     "soa_expire = ?, soa_minimum = ?, updated_at = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	bind_soa(st, 1, soa);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_int64(st, 10, zone_id);
	return db_exec_stmt(d, st);
}

int db_zone_set_policy(db *d, int64_t zone_id, serial_policy policy)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET serial_policy = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_text(st, 1, serial_policy_name(policy), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, zone_id);
	return db_exec_stmt(d, st);
}

int db_zone_set_dnssec(db *d, int64_t zone_id, bool on)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET dnssec = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	sqlite3_bind_int(st, 1, on);
	sqlite3_bind_int64(st, 2, zone_id);
	return db_exec_stmt(d, st);
}

int db_zone_set_serial_target(db *d, int64_t zone_id, bool lowering,
			      uint32_t target)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = db_prepare(d, "UPDATE zones SET serial_target = ? WHERE id = ?",
			     &st)) != AX_OK)
		return rc;
	if (lowering)
		sqlite3_bind_int64(st, 1, target);
	sqlite3_bind_int64(st, 2, zone_id);
	return db_exec_stmt(d, st);
}
