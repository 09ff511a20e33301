/**
 * What the registry model holds. Docker Hub's `library/` namespace (a name without a namespace, such
 * as `busybox`) is a closed set: the Docker Official Images, current and deprecated ones still
 * pullable (as listed by docker-library/official-images, 2025). Any other name there does not exist,
 * and dockerd's pull of it fails with `pull access denied`. A repository in a namespace
 * (`myorg/app`) or on another registry (`ghcr.io/…`, `localhost:5000/…`) may be anyone's, so the
 * model takes it as existing and derives its image from the name (bindings/vch/catalogue.ts).
 */

const OFFICIAL = new Set([
  "adminer", "aerospike", "almalinux", "alpine", "alt", "amazoncorretto", "amazonlinux", "api-firewall", "arangodb",
  "archlinux", "backdrop", "bash", "bonita", "buildpack-deps", "busybox", "caddy", "cassandra", "celery", "centos",
  "chronograf", "cirros", "clearlinux", "clefos", "clickhouse", "clojure", "composer", "consul", "convertigo",
  "couchbase", "couchdb", "crate", "dart", "debian", "django", "docker", "drupal", "eclipse-mosquitto",
  "eclipse-temurin", "eggdrop", "elasticsearch", "elixir", "emqx", "erlang", "express-gateway", "fedora", "flink",
  "fluentd", "friendica", "gazebo", "gcc", "geonetwork", "ghost", "glassfish", "golang", "gradle", "groovy",
  "haproxy", "haskell", "haxe", "hello-world", "hitch", "httpd", "hylang", "ibm-semeru-runtimes", "ibmjava",
  "influxdb", "iojs", "irssi", "java", "jenkins", "jetty", "joomla", "jruby", "julia", "kaazing-gateway",
  "kapacitor", "kibana", "kong", "krakend", "liquibase", "logstash", "mageia", "mariadb", "matomo", "maven",
  "mediawiki", "memcached", "mongo", "mongo-express", "monica", "mono", "mysql", "nats", "nats-streaming", "neo4j",
  "neurodebian", "nextcloud", "nginx", "node", "notary", "nuxeo", "odoo", "open-liberty", "openjdk", "opensuse",
  "oraclelinux", "orientdb", "owncloud", "percona", "perl", "photon", "php", "php-zendserver", "phpmyadmin",
  "piwik", "plone", "postfixadmin", "postgres", "pypy", "python", "r-base", "rabbitmq", "rails", "rakudo-star",
  "redis", "redmine", "registry", "rethinkdb", "rocket.chat", "rockylinux", "ros", "ruby", "rust", "sapmachine",
  "satosa", "sentry", "silverpeas", "sl", "solr", "sonarqube", "spiped", "storm", "swarm", "swift", "swipl",
  "teamspeak", "telegraf", "thrift", "tomcat", "tomee", "traefik", "ubuntu", "ubuntu-debootstrap", "unit",
  "varnish", "vault", "websphere-liberty", "wordpress", "xwiki", "yourls", "znc", "zookeeper",
]);

/**
 * Does the registry model have this repository (as `parseReference` gives it: `busybox`,
 * `myorg/app`, `ghcr.io/org/app`)?
 */
export function registryHas(repo: string): boolean {
  return repo.includes("/") || OFFICIAL.has(repo);
}

/** dockerd's answer to a pull of a repository no registry has (a 404 before any progress). */
export function pullAccessDenied(repo: string): string {
  return `pull access denied for ${repo}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`;
}
