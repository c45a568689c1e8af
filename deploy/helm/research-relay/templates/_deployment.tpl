{{/* One role's Deployment: pass (dict "root" $ "role" "consumer"|"worker"). */}}
{{- define "research-relay.deployment" -}}
{{- $root := .root -}}
{{- $values := $root.Values -}}
{{- $role := .role -}}
{{- $roleValues := get $values $role -}}
{{- $fullname := include "research-relay.fullname" $root -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ printf "%s-%s" $fullname $role }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "research-relay.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ $role }}
spec:
  {{- if not $values.keda.enabled }}
  replicas: {{ $roleValues.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "research-relay.roleSelectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels:
        {{- include "research-relay.roleSelectorLabels" . | nindent 8 }}
        {{- with $roleValues.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $roleValues.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "research-relay.serviceAccountName" $root }}
      # The relay calls no Kubernetes API.
      automountServiceAccountToken: false
      {{- if eq $role "worker" }}
      # Longer than WORKER_SHUTDOWN_GRACE_MS: model calls in flight finish before the kill.
      terminationGracePeriodSeconds: {{ include "research-relay.workerTerminationGrace" $root }}
      {{- else }}
      terminationGracePeriodSeconds: {{ $roleValues.terminationGracePeriodSeconds }}
      {{- end }}
      securityContext:
        {{- toYaml $values.podSecurityContext | nindent 8 }}
      {{- with $values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ $role }}
          image: {{ printf "%s:%s" $values.image.repository (default $root.Chart.AppVersion $values.image.tag) | quote }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          # args, not command: the image's entrypoint (node's docker-entrypoint.sh) stays.
          args:
            {{- range $values.command }}
            - {{ . | quote }}
            {{- end }}
            - --role
            - {{ $role }}
          ports:
            - name: metrics
              containerPort: {{ $values.metrics.port }}
              protocol: TCP
          env:
            {{- include "research-relay.env" . | nindent 12 }}
          startupProbe:
            httpGet: { path: /healthz, port: metrics }
            {{- toYaml $values.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet: { path: /healthz, port: metrics }
            {{- toYaml $values.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet: { path: /readyz, port: metrics }
            {{- toYaml $values.probes.readiness | nindent 12 }}
          resources:
            {{- toYaml $roleValues.resources | nindent 12 }}
          securityContext:
            {{- toYaml $values.securityContext | nindent 12 }}
          volumeMounts:
            {{- if $values.tmpVolume.enabled }}
            - { name: tmp, mountPath: /tmp }
            {{- end }}
            {{- if $values.tls.kafka.secretName }}
            - { name: kafka-tls, mountPath: {{ $values.tls.kafka.mountPath | quote }}, readOnly: true }
            {{- end }}
            {{- if $values.tls.temporal.secretName }}
            - { name: temporal-tls, mountPath: {{ $values.tls.temporal.mountPath | quote }}, readOnly: true }
            {{- end }}
            {{- if $values.secrets.payloadEncryptionKeysFile }}
            - { name: payload-keys, mountPath: /etc/research-relay/payload-keys, readOnly: true }
            {{- end }}
      volumes:
        {{- if $values.tmpVolume.enabled }}
        - name: tmp
          emptyDir: { sizeLimit: {{ $values.tmpVolume.sizeLimit }} }
        {{- end }}
        {{- range $server := list "kafka" "temporal" }}
        {{- $tls := get $values.tls $server }}
        {{- if $tls.secretName }}
        - name: {{ $server }}-tls
          secret:
            secretName: {{ $tls.secretName | quote }}
            defaultMode: 288  # 0440: owner and the pod's fsGroup read
            items:
              {{- range $key := list $tls.caKey $tls.certKey $tls.keyKey }}
              {{- if $key }}
              - { key: {{ $key | quote }}, path: {{ $key | quote }} }
              {{- end }}
              {{- end }}
        {{- end }}
        {{- end }}
        {{- with $values.secrets.payloadEncryptionKeysFile }}
        {{- if not (and .name .key) }}
        {{- fail "secrets.payloadEncryptionKeysFile needs both name and key of an existing Secret" }}
        {{- end }}
        - name: payload-keys
          secret:
            secretName: {{ .name | quote }}
            defaultMode: 288  # 0440: owner and the pod's fsGroup read
            items:
              - { key: {{ .key | quote }}, path: {{ .key | quote }} }
        {{- end }}
      {{- with $roleValues.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $roleValues.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $roleValues.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $roleValues.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
