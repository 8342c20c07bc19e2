/* main.c -- axfrd: reads the settings, opens the store, creates the admin
 * on first start, starts the API and waits for SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acl.h"
#include "api/api.h"
#include "budget.h"
#include "config.h"
#include "db/db.h"
#include "dns.h"
#include "log.h"
#include "psl.h"
#include "token.h"

#define EXIT_USAGE 2

/* Everything start-up would refuse, checked before anything is created:
 * --check-config and start-up both run this, so they agree. */
static int validate(const config *cfg, ax_errinfo *ei)
{
	const char *env = getenv("AXFRD_ADMIN_TOKEN");
	int rc;

	if ((rc = config_validate(cfg, ei)) != AX_OK ||
	    (rc = config_check_host(cfg, ei)) != AX_OK)
		return rc;
	if (env != NULL && strlen(env) < TOKEN_MIN_LEN)
		return ax_fail(ei, AX_EINVAL, "AXFRD_ADMIN_TOKEN",
			       "AXFRD_ADMIN_TOKEN must be at least %d characters",
			       TOKEN_MIN_LEN);
	return AX_OK;
}

/* Settings from the embedded defaults, then --config FILE, then the
 * other flags (so flags override the file whatever their order). */
static int load_settings(int argc, char **argv, config *cfg, bool *check_only,
			 ax_errinfo *ei)
{
	const char *file = NULL;
	int rc;

	*check_only = false;
	if ((rc = config_defaults(cfg)) != AX_OK)
		return rc;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
	}
	if (file != NULL && (rc = config_load_file(cfg, file, ei)) != AX_OK)
		return rc;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *value;
		char key[64];

		if (strcmp(arg, "--check-config") == 0) {
			*check_only = true;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0)
			return ax_fail(ei, AX_EINVAL, arg, "unexpected argument '%s'", arg);
		arg += 2;
		eq = strchr(arg, '=');
		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg),
			 arg);
		if (eq != NULL) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			return ax_fail(ei, AX_EINVAL, key, "--%s needs a value", key);
		}
		if (strcmp(key, "config") == 0)
			continue;
		if ((rc = config_set(cfg, key, value, ei)) != AX_OK) {
			if (!config_has_key(key))
				ax_fail(ei, rc, key, "unknown option --%s (see --help)", key);
			return rc;
		}
	}
	return validate(cfg, ei);
}

/* Opens (creates, migrates) the store and, on the first start, creates
 * the admin account: its generated token is left in generated (empty
 * when AXFRD_ADMIN_TOKEN chose it or the admin already existed). */
static int open_store(const config *cfg, db **d, char generated[TOKEN_LEN + 1],
		      ax_errinfo *ei)
{
	db_options opt = {
		.sync_full = strcmp(cfg->db_synchronous, "full") == 0,
		.busy_timeout_ms = (int)cfg->db_busy_timeout,
	};
	bool created;
	int rc;

	generated[0] = '\0';
	if ((rc = db_open(cfg->db, &opt, d, ei)) != AX_OK)
		return rc;
	rc = token_bootstrap_admin(*d, getenv("AXFRD_ADMIN_TOKEN"), time(NULL),
				   generated, &created, ei);
	if (rc != AX_OK) {
		db_close(*d);
		*d = NULL;
		return rc;
	}
	if (created)
		log_info("main", "created the admin account; its token %s",
			 getenv("AXFRD_ADMIN_TOKEN") ? "is AXFRD_ADMIN_TOKEN" :
			 "is printed on stdout once the daemon is up");
	return AX_OK;
}

/* The generated admin token, once, on stdout (never logged), set apart
 * so that it stands out after the build output and the start-up log. */
static void print_admin_token(char generated[TOKEN_LEN + 1])
{
	if (generated[0] == '\0')
		return;
	printf("\n"
	       "================================================================\n"
	       "The admin account was created. Its token is shown only now:\n"
	       "\n"
	       "admin token: %s\n"
	       "\n"
	       "Keep it: API requests use 'Authorization: Bearer TOKEN'.\n"
	       "================================================================\n",
	       generated);
	fflush(stdout);
	memset(generated, 0, TOKEN_LEN + 1);
}

/* Logs the API's address with the port actually bound (port 0 in the
 * settings means "any free port"; tests read this line). */
static void log_listening(const char *module, const char *scheme,
			  const config_addr *a, uint16_t port)
{
	struct sockaddr_storage ss = a->ss;
	char text[INET6_ADDRSTRLEN + 8];

	addr_set_port(&ss, port);
	addr_text(&ss, text, sizeof(text));
	log_info(module, "listening on %s://%s", scheme, text);
}

int main(int argc, char **argv)
{
	config cfg;
	bool check_only;
	ax_errinfo ei;
	api_server *api = NULL;
	dns_server *dns = NULL;
	budget *bud = NULL;
	uint16_t dns_port;
	db *d = NULL;
	char generated[TOKEN_LEN + 1] = "";
	psl_list *psl = NULL;
	sigset_t set;
	uint16_t port;
	log_level lvl;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			config_print_help();
			return 0;
		}
	}
	ax_errinfo_clear(&ei);
	if ((rc = load_settings(argc, argv, &cfg, &check_only, &ei)) != AX_OK) {
		fprintf(stderr, "axfrd: %s\n", ei.msg[0] ? ei.msg : ax_strerror(rc));
		config_free(&cfg);
		return EXIT_USAGE;
	}
	/* The public suffix list is read before anything is created, and
	 * --check-config reads it too: the same file, the same message. */
	if ((rc = psl_load(cfg.public_suffix_list, &psl, &ei)) != AX_OK) {
		fprintf(stderr, "axfrd: %s\n", ei.msg[0] ? ei.msg : ax_strerror(rc));
		config_free(&cfg);
		return EXIT_USAGE;
	}
	if (check_only) {
		config_print_outbound(&cfg);
		printf("public suffix list: %zu rules from %s\n", psl_rules(psl),
		       cfg.public_suffix_list);
		printf("configuration ok\n");
		psl_free(psl);
		config_free(&cfg);
		return 0;
	}
	log_level_parse(cfg.log_level, &lvl);
	log_set_level(lvl);

	/* Signals are taken synchronously by this thread; block them before
	 * any other thread starts so that none of them receives one. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The store is opened (and migrated) first; the DNS side then opens
	 * its own connection and loads every zone before the API starts. */
	if ((rc = open_store(&cfg, &d, generated, &ei)) != AX_OK ||
	    (bud = budget_new((uint64_t)cfg.outbound_rate_per_account, NULL, NULL)) == NULL ||
	    (rc = dns_start(&cfg, bud, &dns, &dns_port, &ei)) != AX_OK ||
	    (rc = api_start(&cfg, psl, d, bud, dns_zone_changed, dns, &api, &port,
			    &ei)) != AX_OK) {
		if (rc == AX_OK)
			rc = AX_ENOMEM;
		log_err("main", "%s", ei.msg[0] ? ei.msg : ax_strerror(rc));
		/* The admin exists now: its token must not be lost with this
		 * failure (a port in use, say), or no one could ever use it. */
		print_admin_token(generated);
		if (api == NULL)
			db_close(d);
		dns_free(dns);
		budget_free(bud);
		psl_free(psl);
		config_free(&cfg);
		return 1;
	}
	log_info("main", "store %s, schema version %d", cfg.db, db_schema_version());
	log_info("main", "public suffix list %s: %zu rules", cfg.public_suffix_list,
		 psl_rules(psl));
	log_listening("dns", "dns", &cfg.dns_listen, dns_port);
	dns_log_listeners(dns);
	log_listening("api", "http", &cfg.api_listen, port);
	print_admin_token(generated);
	int sig = dns_run(dns);
	log_info("main", "%s received, shutting down", strsignal(sig));
	api_stop(api);  /* finishes the request in progress, closes the store */
	dns_free(dns);
	budget_free(bud);
	psl_free(psl);
	config_free(&cfg);
	log_info("main", "stopped");
	return 0;
}
