import { addTexts } from '../../i18n';

const en = {
  title: 'Vulnerability scan tasks',
  filters: { scanType: 'Task type', taskId: 'Task ID', time: 'Start time' },
  scanType: { manual: 'Manual', schedule: 'Scheduled' },
  status: { running: 'Running', finished: 'Finished' },
  hostStatus: { scanning: 'Scanning', success: 'Succeeded', failed: 'Failed' },
  col: {
    id: 'Task ID',
    scanType: 'Type',
    start: 'Started',
    end: 'Ended',
    vulTypes: 'Vulnerability types',
    status: 'Status',
    hosts: 'Hosts (scanning / succeeded / failed)',
    estimated: 'Estimated time left',
    hostName: 'Host',
    ip: 'IP (private / public)',
    assetValue: 'Asset importance',
    hostStatus: 'Outcome',
    reasons: 'Failure reasons',
  },
  minutes: '{{count}} min',
  hostsOf: 'Hosts of task {{id}}',
  hostStatusFilter: 'Host outcome',
  assetValue: { important: 'Important', common: 'Common', test: 'Test' },
  empty: 'No scan tasks match. Start one from the Hosts page ("Scan now") or let the scan policy run.',
  noHosts: 'No hosts.',
  allReasons: 'all types',
};

type Texts = typeof en;

const zh: Texts = {
  title: '漏洞扫描任务',
  filters: { scanType: '任务类型', taskId: '任务 ID', time: '开始时间' },
  scanType: { manual: '手动扫描', schedule: '周期扫描' },
  status: { running: '扫描中', finished: '已完成' },
  hostStatus: { scanning: '扫描中', success: '成功', failed: '失败' },
  col: {
    id: '任务 ID',
    scanType: '类型',
    start: '开始时间',
    end: '结束时间',
    vulTypes: '漏洞类型',
    status: '状态',
    hosts: '主机（扫描中 / 成功 / 失败）',
    estimated: '预计剩余时间',
    hostName: '主机',
    ip: 'IP（私有 / 公网）',
    assetValue: '资产重要性',
    hostStatus: '扫描结果',
    reasons: '失败原因',
  },
  minutes: '{{count}} 分钟',
  hostsOf: '任务 {{id}} 的主机',
  hostStatusFilter: '主机扫描结果',
  assetValue: { important: '重要资产', common: '一般资产', test: '测试资产' },
  empty: '没有匹配的扫描任务。可在“主机”页面点击“立即扫描”，或等待扫描策略执行。',
  noHosts: '没有主机。',
  allReasons: '所有类型',
};

addTexts('scanTasks', { en, zh });
