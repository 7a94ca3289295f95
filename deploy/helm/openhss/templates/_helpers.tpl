{{- define "openhss.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "openhss.fullname" -}}
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

{{- define "openhss.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "openhss.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "api") */}}
{{- define "openhss.selectorLabels" -}}
app.kubernetes.io/name: {{ include "openhss.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "openhss.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "openhss.masterKeySecretName" -}}
{{- default (printf "%s-master-key" (include "openhss.fullname" .)) .Values.masterKey.existingSecret -}}
{{- end -}}

{{- define "openhss.postgresSecretName" -}}
{{- default (printf "%s-postgresql" (include "openhss.fullname" .)) .Values.postgresql.existingSecret -}}
{{- end -}}

{{- define "openhss.s3SecretName" -}}
{{- default (printf "%s-s3" (include "openhss.fullname" .)) .Values.files.s3.existingSecret -}}
{{- end -}}

{{- define "openhss.s3Credentials" -}}
{{- if or .Values.files.s3.existingSecret .Values.files.s3.accessKeyId .Values.files.s3.secretAccessKey -}}true{{- end -}}
{{- end -}}

{{/* postgres://user@host:port/db[?sslmode=…]: the password is never in the URL (PGPASSWORD). */}}
{{- define "openhss.databaseUrl" -}}
{{- $pg := .Values.postgresql -}}
{{- $host := required "postgresql.host is required: openhss on Kubernetes runs on PostgreSQL" $pg.host -}}
{{- $url := printf "postgres://%s@%s:%v/%s" (urlquery $pg.user) $host $pg.port (urlquery $pg.database) -}}
{{- if $pg.sslmode -}}{{- $url = printf "%s?sslmode=%s" $url $pg.sslmode -}}{{- end -}}
{{- $url -}}
{{- end -}}

{{/* The environment both Deployments share. */}}
{{- define "openhss.env" -}}
- name: OPENHSS_DATA_DIR
  value: /data
- name: OPENHSS_DATABASE_URL
  value: {{ include "openhss.databaseUrl" . | quote }}
- name: OPENHSS_DATABASE_SCHEMA
  value: {{ .Values.postgresql.schema | quote }}
- name: OPENHSS_DATABASE_POOL_SIZE
  value: {{ .Values.postgresql.poolSize | quote }}
{{- if or .Values.postgresql.password .Values.postgresql.existingSecret }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "openhss.postgresSecretName" . }}
      key: {{ .Values.postgresql.existingSecretPasswordKey }}
{{- end }}
- name: OPENHSS_MASTER_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "openhss.masterKeySecretName" . }}
      key: {{ .Values.masterKey.existingSecretKey }}
- name: OPENHSS_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: OPENHSS_VULNDB_UPDATE_INTERVAL_HOURS
  value: {{ .Values.vulndb.updateIntervalHours | quote }}
{{- if .Values.vulndb.mirrorUrl }}
- name: OPENHSS_VULNDB_MIRROR_URL
  value: {{ .Values.vulndb.mirrorUrl | quote }}
{{- end }}
{{- if .Values.files.store }}
- name: OPENHSS_FILE_STORE
  value: {{ .Values.files.store | quote }}
{{- end }}
{{- if eq .Values.files.store "s3" }}
{{- $s3 := .Values.files.s3 }}
- name: OPENHSS_S3_BUCKET
  value: {{ required "files.s3.bucket is required when files.store is s3" $s3.bucket | quote }}
- name: OPENHSS_S3_REGION
  value: {{ $s3.region | quote }}
- name: OPENHSS_S3_PREFIX
  value: {{ $s3.prefix | quote }}
- name: OPENHSS_S3_FORCE_PATH_STYLE
  value: {{ $s3.forcePathStyle | quote }}
{{- if $s3.endpoint }}
- name: OPENHSS_S3_ENDPOINT
  value: {{ $s3.endpoint | quote }}
{{- end }}
{{- if include "openhss.s3Credentials" . }}
- name: OPENHSS_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "openhss.s3SecretName" . }}
      key: {{ $s3.existingSecretAccessKeyIdKey }}
- name: OPENHSS_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "openhss.s3SecretName" . }}
      key: {{ $s3.existingSecretSecretAccessKeyKey }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The pod-level parts both Deployments share: volumes and scheduling. Call with (dict "root" $ "pod" .Values.api) */}}
{{- define "openhss.podSpec" -}}
automountServiceAccountToken: false
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
volumes:
  - name: data
    emptyDir:
      sizeLimit: {{ .root.Values.dataVolume.sizeLimit }}
  - name: tmp
    emptyDir:
      sizeLimit: 256Mi
{{- with .pod.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .pod.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .pod.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
