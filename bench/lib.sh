# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run).

# The httpd.conf header every benchmark server uses: event MPM, one
# process x 16 threads, the modules a Vite app needs, and mod_ssr.  No
# .htaccess files, as Debian's apache2.conf has it (<Directory />
# AllowOverride None): without it this httpd looked for five of them, from
# the document root up to /, at every request.
#   httpd_base_conf WORKDIR PORT MODULES_DIR MOD_SSR_SO
httpd_base_conf() {
    local work=$1 port=$2 modules=$3 so=$4
    cat <<CONF
ServerRoot "$work"
Listen 127.0.0.1:$port
ServerName 127.0.0.1
PidFile "$work/httpd.pid"
ErrorLog "$work/error.log"
LogLevel warn
DefaultRuntimeDir "$work"
LoadModule mpm_event_module $modules/mod_mpm_event.so
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule mime_module $modules/mod_mime.so
LoadModule dir_module $modules/mod_dir.so
LoadModule ssr_module $so
TypesConfig /etc/mime.types
<Directory />
    AllowOverride None
</Directory>
CONF
    if [ "$(id -u)" = 0 ]; then
        printf 'User www-data\nGroup www-data\n'
    fi
}
