// Names and helpers of the campaign screens (外呼任务): the server's codes in Chinese (the
// campaign engine's states and outcomes, src/campaigns/campaign_engine.h; the import's reason
// codes, DOMAIN.md "Target files for notification campaigns").
export const campaignStates = {
  draft: '草稿', running: '进行中', paused: '已暂停', cancelled: '已取消', finished: '已完成',
};
export const campaignStateTags = {
  draft: 'info', running: 'success', paused: 'warning', cancelled: 'info', finished: 'primary',
};
export const targetStates = { waiting: '待呼叫', calling: '通话中', done: '已结束' };
export const outcomeNames = {
  confirmed: '已确认', not_confirmed: '未确认', answered_question: '已答疑', transferred: '转人工',
  callback_scheduled: '约定回拨', refused: '拒接', wrong_party: '非本人', voicemail: '语音信箱',
  hung_up_early: '提前挂断', no_answer: '无人接听', busy: '忙线', invalid_number: '空号',
  failed: '呼叫失败', interrupted: '通话中断', dnc: '免打扰', cancelled: '已取消',
};
export const smsNames = { sent: '已发送', rejected: '被拒收', failed: '发送失败', sending: '发送中' };
export const reasonNames = {
  missing_field: '缺少必填项', unknown_scenario: '场景不存在', invalid_phone: '手机号无效',
  invalid_id_checksum: '身份证号校验位错误', invalid_id_birth_date: '身份证号出生日期无效',
};

// The moves a state allows (the server's Campaigns::Start, ...), in the order of the buttons.
export const controls = [
  { action: 'start', label: '启动', from: ['draft'], type: 'primary' },
  { action: 'pause', label: '暂停', from: ['running'] },
  { action: 'resume', label: '继续', from: ['paused'], type: 'primary' },
  { action: 'cancel', label: '取消任务', from: ['draft', 'running', 'paused'], confirm: true },
];

// "第 3 行" lists: the lines of a report's groups, at most `max` of them then "等 N 处".
export function linesText(lines, max = 20) {
  const shown = lines.slice(0, max).join('、');
  return lines.length > max ? `${shown} 等 ${lines.length} 处` : shown;
}
