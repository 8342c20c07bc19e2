# admin-token.sh -- sourced by deploy/run.sh from the repository root:
# chooses the admin token of the default database (./var/axfrd.db) and
# prints it, with where the daemon listens, set apart from the build output.
#
# On the first start (no var/axfrd.db yet) and unless AXFRD_ADMIN_TOKEN is
# set, a token is generated and kept in var/admin-token (mode 600; the
# README's examples read it there); whenever that file exists its token is
# exported as AXFRD_ADMIN_TOKEN, which axfrd uses when it creates the admin
# account (and ignores once the account exists).
note="admin token: the one in AXFRD_ADMIN_TOKEN"
if [ -z "${AXFRD_ADMIN_TOKEN:-}" ]; then
	mkdir -p var
	if [ ! -s var/admin-token ] && [ ! -e var/axfrd.db ]; then
		(umask 077 && printf 'axfrd_%s\n' \
			"$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')" >var/admin-token)
	fi
	if [ -s var/admin-token ]; then
		AXFRD_ADMIN_TOKEN=$(cat var/admin-token)
		export AXFRD_ADMIN_TOKEN
		note="admin token: $AXFRD_ADMIN_TOKEN (kept in var/admin-token)"
	else
		note="admin token: printed by axfrd when var/axfrd.db was created (not kept)"
	fi
fi
cat <<END

================================================================
axfrd starts (by default: REST API http://127.0.0.1:8053, DNS 127.0.0.1:5353)
$note
================================================================

END
unset note
