{{/* The chart's name, for labels. */}}
{{- define "research-relay.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: every resource is named after it (consumer and worker add their role). */}}
{{- define "research-relay.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels selecting the release's pods (both roles). */}}
{{- define "research-relay.selectorLabels" -}}
app.kubernetes.io/name: {{ include "research-relay.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "research-relay.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "research-relay.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: research-relay
{{- end -}}

{{/* Labels selecting one role's pods: pass (dict "root" $ "role" "consumer"). */}}
{{- define "research-relay.roleSelectorLabels" -}}
{{ include "research-relay.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "research-relay.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "research-relay.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The secret variables of src/config/secretVariables.ts that `secrets` maps; none may be plain config. */}}
{{- define "research-relay.secretVariables" -}}
openaiApiKey: OPENAI_API_KEY
temporalApiKey: TEMPORAL_API_KEY
kafkaSaslPassword: KAFKA_SASL_PASSWORD
tavilyApiKey: TAVILY_API_KEY
payloadEncryptionKeys: PAYLOAD_ENCRYPTION_KEYS
phoenixApiKey: PHOENIX_API_KEY
otlpHeaders: OTEL_EXPORTER_OTLP_HEADERS
{{- end -}}

{{/* Variables the chart sets itself, from other values: they may not come from `config`. */}}
{{- define "research-relay.chartVariables" -}}
- SERVICE_HTTP_PORT
- KAFKA_TLS_CA_FILE
- KAFKA_TLS_CERT_FILE
- KAFKA_TLS_KEY_FILE
- TEMPORAL_TLS_CA_FILE
- TEMPORAL_TLS_CERT_FILE
- TEMPORAL_TLS_KEY_FILE
- PAYLOAD_ENCRYPTION_KEYS_FILE
{{- end -}}

{{/* Refuses a secret, or a variable the chart owns, in plain configuration. */}}
{{- define "research-relay.validateConfig" -}}
{{- $secretVariables := include "research-relay.secretVariables" . | fromYaml -}}
{{- $plain := merge (deepCopy .Values.config) .Values.roleConfig.consumer .Values.roleConfig.worker -}}
{{- range $value, $variable := $secretVariables -}}
{{- if hasKey $plain $variable -}}
{{- fail (printf "config: %s is a secret and is never rendered as plain text; name an existing Secret in secrets.%s: {name, key}" $variable $value) -}}
{{- end -}}
{{- end -}}
{{- range $variable := list "OTEL_EXPORTER_OTLP_TRACES_HEADERS" "OTEL_EXPORTER_OTLP_METRICS_HEADERS" "CODEC_SERVER_TOKEN" -}}
{{- if hasKey $plain $variable -}}
{{- fail (printf "config: %s is a secret; pass it with secrets.extra: [{env: %s, name, key}]" $variable $variable) -}}
{{- end -}}
{{- end -}}
{{- range $variable := include "research-relay.chartVariables" . | fromYamlArray -}}
{{- if hasKey $plain $variable -}}
{{- fail (printf "config: %s is set by the chart (metrics.port, tls.*, secrets.payloadEncryptionKeysFile); remove it from config" $variable) -}}
{{- end -}}
{{- end -}}
{{- range $entry := .Values.secrets.extra -}}
{{- if not (and $entry.env $entry.name $entry.key) -}}
{{- fail "secrets.extra: each entry needs env, name and key" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* One role's environment: config, role config, secret references, TLS file paths. Pass (dict "root" $ "role" "worker"). */}}
{{- define "research-relay.env" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $config := merge (deepCopy (get $values.roleConfig .role)) $values.config -}}
- name: SERVICE_HTTP_PORT
  value: {{ $values.metrics.port | quote }}
{{- range $name := keys $config | sortAlpha }}
- name: {{ $name }}
  value: {{ get $config $name | toString | quote }}
{{- end }}
{{- $secretVariables := include "research-relay.secretVariables" $root | fromYaml }}
{{- range $value := keys $secretVariables | sortAlpha }}
{{- $ref := get $values.secrets $value }}
{{- if $ref }}
{{- if not (and $ref.name $ref.key) }}
{{- fail (printf "secrets.%s needs both name and key of an existing Secret" $value) }}
{{- end }}
- name: {{ get $secretVariables $value }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name | quote }}
      key: {{ $ref.key | quote }}
{{- end }}
{{- end }}
{{- range $entry := $values.secrets.extra }}
- name: {{ $entry.env }}
  valueFrom:
    secretKeyRef:
      name: {{ $entry.name | quote }}
      key: {{ $entry.key | quote }}
{{- end }}
{{- with $values.secrets.payloadEncryptionKeysFile }}
- name: PAYLOAD_ENCRYPTION_KEYS_FILE
  value: /etc/research-relay/payload-keys/{{ .key }}
{{- end }}
{{- range $server, $variable := dict "kafka" "KAFKA" "temporal" "TEMPORAL" }}
{{- $tls := get $values.tls $server }}
{{- if $tls.secretName }}
{{- range $file, $key := dict "CA" $tls.caKey "CERT" $tls.certKey "KEY" $tls.keyKey }}
{{- if $key }}
- name: {{ printf "%s_TLS_%s_FILE" $variable $file }}
  value: {{ printf "%s/%s" $tls.mountPath $key | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The worker's grace: WORKER_SHUTDOWN_GRACE_MS rounded up to seconds, plus the margin. */}}
{{- define "research-relay.workerTerminationGrace" -}}
{{- $config := merge (deepCopy .Values.roleConfig.worker) .Values.config -}}
{{- $graceMs := int64 (default "130000" (get $config "WORKER_SHUTDOWN_GRACE_MS")) -}}
{{- add (div (add $graceMs 999) 1000) .Values.worker.terminationGraceMarginSeconds -}}
{{- end -}}

{{/* The requests topic's partition count (see values.yaml). */}}
{{- define "research-relay.requestsTopicPartitions" -}}
{{- $value := .Values.requestsTopicPartitions | toString -}}
{{- if eq $value "" -}}{{- $value = default "3" (get .Values.config "TOPIC_PARTITIONS") | toString -}}{{- end -}}
{{- int $value -}}
{{- end -}}

{{/* The label matchers of the relay's series in alert expressions. */}}
{{- define "research-relay.ruleSelector" -}}
{{- if .Values.prometheusRule.selector -}}
{{- .Values.prometheusRule.selector -}}
{{- else -}}
{{- printf "job=%q,namespace=%q" (printf "%s-metrics" (include "research-relay.fullname" .)) .Release.Namespace -}}
{{- end -}}
{{- end -}}
