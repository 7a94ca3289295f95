/** Realistic Kubernetes manifests for the IaC benchmarks: an application bundle as `helm template` renders it. */

function deployment(i: number): string {
  return `# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  namespace: team-${i % 17}
  labels:
    app.kubernetes.io/name: svc-${i}
    app.kubernetes.io/instance: shop
    app.kubernetes.io/version: "1.${i % 40}.${i % 7}"
    helm.sh/chart: shop-4.2.${i % 9}
  annotations:
    deployment.kubernetes.io/revision: "${(i % 12) + 1}"
spec:
  replicas: ${(i % 5) + 1}
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app.kubernetes.io/name: svc-${i}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
  template:
    metadata:
      labels:
        app.kubernetes.io/name: svc-${i}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9102"
    spec:
      serviceAccountName: svc-${i}
      securityContext:
        runAsNonRoot: ${i % 3 !== 0}
        runAsUser: ${i % 4 === 0 ? 0 : 10001}
        fsGroup: 2000
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: registry.example.com/shop/svc-${i}:1.${i % 40}.${i % 7}
          imagePullPolicy: IfNotPresent
          args: ["--port=8080", "--log-level=info", "--metrics-port=9102"]
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            - name: metrics
              containerPort: 9102
              protocol: TCP
          env:
            - name: LOG_FORMAT
              value: json
            - name: DB_HOST
              value: postgres.team-${i % 17}.svc.cluster.local
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: svc-${i}-db
                  key: password
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          securityContext:
            allowPrivilegeEscalation: ${i % 5 === 0}
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: "1"
              memory: 512Mi
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: 10
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: /ready
              port: http
          volumeMounts:
            - name: config
              mountPath: /etc/svc
              readOnly: true
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: svc-${i}-config
        - name: tmp
          emptyDir: {}
`;
}

function service(i: number): string {
  return `# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  namespace: team-${i % 17}
  labels:
    app.kubernetes.io/name: svc-${i}
spec:
  type: ${i % 10 === 0 ? 'LoadBalancer' : 'ClusterIP'}
  selector:
    app.kubernetes.io/name: svc-${i}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
`;
}

function configMap(i: number): string {
  const lines = Array.from({ length: 12 }, (_, k) => `    key_${k}: value-${i}-${k}`).join('\n');
  return `# Source: shop/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-${i}-config
  namespace: team-${i % 17}
data:
${lines.replace(/^ {4}/gm, '  ')}
  app.yaml: |
    server:
      port: 8080
      timeout: 30s
    features:
      search: true
      recommendations: ${i % 2 === 0}
`;
}

function rbac(i: number): string {
  return `# Source: shop/templates/rbac.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: svc-${i}
  namespace: team-${i % 17}
rules:
  - apiGroups: [""]
    resources: ["configmaps", "${i % 6 === 0 ? 'secrets' : 'endpoints'}"]
    verbs: ["get", "list", "watch"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: svc-${i}
  namespace: team-${i % 17}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: svc-${i}
subjects:
  - kind: ServiceAccount
    name: svc-${i}
    namespace: team-${i % 17}
`;
}

function ingress(i: number): string {
  return `# Source: shop/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: svc-${i}
  namespace: team-${i % 17}
spec:
  ingressClassName: nginx
  rules:
    - host: svc-${i}.shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: svc-${i}
                port:
                  name: http
`;
}

/** About `bytes` of YAML: one application (5 to 6 objects) after another, separated by `---`. */
export function manifestOfSize(bytes: number): string {
  const docs: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    for (const doc of [deployment(i), service(i), configMap(i), rbac(i), ...(i % 3 === 0 ? [ingress(i)] : [])]) {
      docs.push(doc);
      size += doc.length + 4;
    }
  }
  return docs.join('---\n');
}

/** One ConfigMap with `keys` entries: the shape (a big generated config or dashboard map) that made the duplicate-key check quadratic. */
export function bigConfigMap(keys: number): string {
  const data = Array.from({ length: keys }, (_, i) => `  setting_${i}: "value-${i}"\n`).join('');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: generated-settings\n  namespace: shop\ndata:\n${data}`;
}
