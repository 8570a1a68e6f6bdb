// Names and small helpers of the knowledge-base screens (the server's codes in Chinese).
export const statusNames = {
  draft: '草稿', submitted: '待审核', rejected: '已退回', scheduled: '已计划',
  published: '已发布', superseded: '已被替代', withdrawn: '已撤回',
};
// Element Plus tag types per status; the status is always written out too (never colour alone).
export const statusTags = {
  draft: 'info', submitted: 'warning', rejected: 'danger', scheduled: 'primary',
  published: 'success', superseded: 'info', withdrawn: 'info',
};
export const kindNames = { faq: '政策问答', calc: '计算', complaint: '投诉', query: '查询', meta: '会话' };
export const decisionNames = { answer: '直接答复', ask_back: '反问澄清', handover: '转人工' };
export const slaNames = { '-': '不适用', '2h': '2 小时', '24h': '24 小时', '7d': '7 个工作日', '15d': '15 个工作日' };
export const listFields = ['keywords', 'synonyms', 'colloquial', 'phrasings'];
export const fieldNames = {
  id: '条目编号', title: '标题', kind: '类型', department: '主管部门', sla: '时限', effective: '生效日期',
  source: '来源（发布机关）', answer: '答复', keywords: '关键词', synonyms: '同义说法',
  colloquial: '口语说法', phrasings: '问法', note: '修改说明',
};

export function statusName(s) { return statusNames[s] || s || '—'; }


// Lists are edited one item per line.
export function linesOf(text) {
  return String(text || '').split('\n').map((s) => s.trim()).filter(Boolean);
}
