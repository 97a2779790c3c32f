# Relay's Make entry points.
#
# `sam build` runs build-ProxyFunction (template.yaml: Metadata BuildMethod: makefile) and sets
# ARTIFACTS_DIR to the directory whose content becomes the Lambda zip. A Java Lambda zip holds the
# classes at its top level, so the shaded jar is unpacked there; config.yaml goes next to them
# ($LAMBDA_TASK_ROOT/config.yaml, where RELAY_CONFIG_PATH points). The jar also holds relay-runtime,
# the wrapper that starts Relay's own runtime loop (AWS_LAMBDA_EXEC_WRAPPER): Lambda runs it only
# when it is executable, and a jar keeps no file modes, so it is made executable here.

PROXY_JAR := functions/proxy/target/relay-proxy.jar
FORWARDER_JAR := functions/log-forwarder/target/relay-log-forwarder.jar

.PHONY: build-ProxyFunction build-LogForwarderFunction test serve deploy

build-ProxyFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this target through 'sam build'." >&2; exit 1; }
	./dev mvn -q -pl functions/proxy -am package -DskipTests
	mkdir -p "$(ARTIFACTS_DIR)"
	cd "$(ARTIFACTS_DIR)" && unzip -q -o "$(CURDIR)/$(PROXY_JAR)"
	chmod 755 "$(ARTIFACTS_DIR)/relay-runtime"
	cp config.yaml "$(ARTIFACTS_DIR)/config.yaml"

build-LogForwarderFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this target through 'sam build'." >&2; exit 1; }
	./dev mvn -q -pl functions/log-forwarder -am package -DskipTests
	mkdir -p "$(ARTIFACTS_DIR)"
	cd "$(ARTIFACTS_DIR)" && unzip -q -o "$(CURDIR)/$(FORWARDER_JAR)"
	cp config.yaml "$(ARTIFACTS_DIR)/config.yaml"

test:
	./dev test

serve:
	./dev serve

deploy:
	sam build && sam deploy
