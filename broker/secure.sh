# shellcheck shell=bash
# secure.sh is sourced by kafka.sh when KAFKA_SECURE=1: the client listener
# becomes SASL_SSL (SCRAM-SHA-512), the controller listener mutual TLS, and
# the StandardAuthorizer admits each orderflow service to its own topics,
# tables and groups only. Certificates and passwords are made once, into
# $KAFKA_SECURE_DIR, which every node of a cluster shares:
#   ca.pem, ca.key        the CA every client must trust (KAFKA_TLS_CA)
#   node.p12              the nodes' key and certificate (CN=orderflow-kafka, 127.0.0.1)
#   users.env             USER_PASSWORD lines, mode 0600, one per SCRAM user
#   admin.properties      client settings of the admin user, for Kafka's tools

KAFKA_SECURE_DIR="${KAFKA_SECURE_DIR:-$KAFKA_DATA_DIR/secure}"
[[ "$KAFKA_SECURE_DIR" == /* ]] || KAFKA_SECURE_DIR="$PWD/$KAFKA_SECURE_DIR"
# The services, each a SCRAM user of its own; admin creates topics, runs
# `orderflow dlq` and is the brokers' own user, a super user.
SECURE_USERS=(admin api orders payment shipping notifications)
NODE_PRINCIPAL="User:CN=orderflow-kafka"

need_openssl() {
	command -v openssl >/dev/null || apt_install openssl || die "openssl is needed for KAFKA_SECURE=1"
}

# make_secrets makes the CA, the nodes' certificate and every user's
# password, once; a lock keeps the nodes of a cluster from racing.
make_secrets() {
	mkdir -p "$KAFKA_SECURE_DIR"
	exec 8>"$KAFKA_SECURE_DIR/.lock"
	flock 8
	if [[ ! -s "$KAFKA_SECURE_DIR/node.p12" ]]; then
		need_openssl
		say "making a CA, the nodes' certificate and SCRAM passwords in $KAFKA_SECURE_DIR"
		(
			cd "$KAFKA_SECURE_DIR"
			umask 077
			openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=orderflow-local-ca" \
				-keyout ca.key -out ca.pem 2>/dev/null
			openssl req -newkey rsa:2048 -nodes -subj "/CN=orderflow-kafka" -keyout node.key -out node.csr 2>/dev/null
			printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >node.ext
			openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
				-extfile node.ext -out node.pem 2>/dev/null
			openssl rand -hex 16 >store.password
			openssl pkcs12 -export -in node.pem -inkey node.key -certfile ca.pem -name node \
				-passout "file:store.password" -out node.p12
			rm -f node.csr node.ext ca.srl
			for u in "${SECURE_USERS[@]}"; do echo "${u^^}_PASSWORD=$(openssl rand -hex 16)"; done >users.env
			chmod 0644 ca.pem
		)
	fi
	exec 8>&-
	# shellcheck disable=SC1091
	source "$KAFKA_SECURE_DIR/users.env"
	cat >"$KAFKA_SECURE_DIR/admin.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN_PASSWORD";
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_SECURE_DIR/ca.pem
EOF
	chmod 0600 "$KAFKA_SECURE_DIR/admin.properties"
}

# secure_properties replaces the plaintext listeners kafka.sh wrote.
secure_properties() {
	local store
	store="$(<"$KAFKA_SECURE_DIR/store.password")"
	sed -i -e "s|^listeners=.*|listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT|" \
		-e "s|^advertised.listeners=.*|advertised.listeners=SASL_SSL://127.0.0.1:$KAFKA_PORT|" \
		-e "s|^inter.broker.listener.name=.*|inter.broker.listener.name=SASL_SSL|" \
		-e "s|^listener.security.protocol.map=.*|listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL|" "$PROPS"
	cat >>"$PROPS" <<EOF

# KAFKA_SECURE=1: clients and brokers speak SASL_SSL with SCRAM-SHA-512 (users
# made at format time); nodes reach the controllers over mutual TLS.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_SECURE_DIR/node.p12
ssl.keystore.password=$store
ssl.truststore.type=PEM
ssl.truststore.location=$KAFKA_SECURE_DIR/ca.pem
# A client certificate is optional on the client listener, but one that is
# shown must come from our CA; the controllers demand one.
listener.name.sasl_ssl.ssl.client.auth=requested
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;$NODE_PRINCIPAL
EOF
	chmod 0600 "$PROPS"
}

# scram_args are the format tool's --add-scram flags, one per user.
scram_args() {
	local u var
	for u in "${SECURE_USERS[@]}"; do
		var="${u^^}_PASSWORD"
		printf -- '--add-scram\nSCRAM-SHA-512=[name=%s,password=%s]\n' "$u" "${!var}"
	done
}

# acl adds one ACL rule set through Kafka's own tool, as the admin user.
acl() {
	run_java org.apache.kafka.tools.AclCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
		--command-config "$KAFKA_SECURE_DIR/admin.properties" --add "$@" >/dev/null ||
		die "kafka-acls --add $* failed"
}

topics_flags() {
	local t
	for t in "$@"; do printf -- '--topic\n%s\n' "$t"; done
}

# apply_acls gives every service what it reads and writes and nothing else
# (the table in broker/README.md says the same for people). Every service may describe topics and
# their configs: goka checks a topic's layout before it uses it. Adding an
# ACL that exists changes nothing, so every start applies them again.
apply_acls() {
	local svc reads writes groups
	local -A READ WRITE GRPS
	READ[api]="orders-table"
	WRITE[api]="new_orders order_cancellations"
	READ[orders]="new_orders order_cancellations payed_orders sent_orders notified_orders dead_letters orders-table"
	WRITE[orders]="orders-table dead_letters notified_orders"
	GRPS[orders]="orders"
	READ[payment]="new_orders order_cancellations sent_orders payment-loop payment-table retries"
	WRITE[payment]="payed_orders payment-table dead_letters retries payment-loop notifications-loop new_orders order_cancellations"
	GRPS[payment]="payment scheduler"
	READ[shipping]="payed_orders order_cancellations shipping-table"
	WRITE[shipping]="sent_orders shipping-table dead_letters payed_orders"
	GRPS[shipping]="shipping"
	READ[notifications]="sent_orders notifications-loop notifications-table retries"
	WRITE[notifications]="notified_orders notifications-table dead_letters retries payment-loop notifications-loop sent_orders"
	GRPS[notifications]="notifications scheduler"
	acl --allow-principal User:api --allow-principal User:orders --allow-principal User:payment \
		--allow-principal User:shipping --allow-principal User:notifications \
		--operation Describe --operation DescribeConfigs --topic '*'
	for svc in api orders payment shipping notifications; do
		reads="${READ[$svc]}" writes="${WRITE[$svc]}" groups="${GRPS[$svc]:-}"
		# Read on the topics it consumes and on its consumer groups.
		# shellcheck disable=SC2086
		mapfile -t r < <(topics_flags $reads; for g in $groups; do printf -- '--group\n%s\n' "$g"; done)
		# shellcheck disable=SC2086
		mapfile -t w < <(topics_flags $writes)
		acl --allow-principal "User:$svc" --operation Read "${r[@]}"
		acl --allow-principal "User:$svc" --operation Write "${w[@]}"
	done
	say "ACLs applied for ${SECURE_USERS[*]:1}"
}

# apply_acls_once applies the ACLs the first time a node of this secure
# folder is ready; the marker holds a hash of this file, so changed rules
# are applied again.
apply_acls_once() {
	local mark="$KAFKA_SECURE_DIR/acls.applied" want
	want="$(sha256sum "$ROOT/broker/secure.sh" | cut -d' ' -f1)"
	exec 8>"$KAFKA_SECURE_DIR/.lock"
	flock 8
	if [[ ! -f "$mark" || "$(<"$mark")" != "$want" ]]; then
		apply_acls
		echo "$want" >"$mark"
	fi
	exec 8>&-
}
