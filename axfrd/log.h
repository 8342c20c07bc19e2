/* log.h -- leveled logging to stderr with per-operation context. */
#ifndef AXFRD_LOG_H
#define AXFRD_LOG_H

#include <stdbool.h>

typedef enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
} log_level;

/* Sets the lowest level that is written (default info). Thread-safe to
 * call before threads start. */
void log_set_level(log_level lvl);

/* Parses "error", "warn", "info" or "debug". */
bool log_level_parse(const char *s, log_level *out);

/* Writes one line "TIME LEVEL [module] message" to stderr. One write()
 * per line so lines from threads do not interleave. Messages must never
 * contain secrets (tokens, TSIG keys). */
void log_msg(log_level lvl, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_err(mod, ...) log_msg(LOG_LVL_ERROR, mod, __VA_ARGS__)
#define log_warn(mod, ...) log_msg(LOG_LVL_WARN, mod, __VA_ARGS__)
#define log_info(mod, ...) log_msg(LOG_LVL_INFO, mod, __VA_ARGS__)
#define log_debug(mod, ...) log_msg(LOG_LVL_DEBUG, mod, __VA_ARGS__)

#endif
