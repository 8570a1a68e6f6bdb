// A campaign's own calling rules (呼叫规则; docs/campaigns.md "A campaign's own rules"): the form's
// values from a set of rules, and what a supervisor changed against the configuration's (only
// those are sent: a field left out takes the configuration's, so an untouched form makes a
// campaign under the configuration's rules as before).

// The form's values (text for the windows and the waits, numbers otherwise) from rules as the
// server shows them (GET /api/v1/campaigns/rules' "rules", or a campaign's "rules").
export function rulesForm(rules) {
  return {
    hours: (rules.hours || []).join(','),
    working_days_only: !!rules.working_days_only,
    max_attempts: rules.max_attempts,
    retry_after_min: (rules.retry_after_min || []).join(','),
    concurrent: rules.concurrent ?? rules.campaign_concurrent,
    pace_per_s: rules.pace_per_s,
  };
}

// "30, 120" → [30, 120]; a part that is not a whole number stays as it is (the server names it).
function minutes(text) {
  return String(text).split(/[,，、\s]+/).filter((s) => s !== '').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

// The fields of `form` that differ from `defaults` (both rulesForm values), as the server takes
// them: {hours: "09:00-11:00", max_attempts: 2, retry_after_min: [60], ...}; {} when none.
export function changedRules(form, defaults) {
  const out = {};
  const norm = (s) => String(s).replace(/\s+/g, '').replace(/，/g, ',');
  if (norm(form.hours) !== norm(defaults.hours)) out.hours = norm(form.hours);
  if (form.working_days_only !== defaults.working_days_only) out.working_days_only = form.working_days_only;
  for (const k of ['max_attempts', 'concurrent', 'pace_per_s']) {
    if (Number(form[k]) !== Number(defaults[k])) out[k] = Number(form[k]);
  }
  if (minutes(form.retry_after_min).join(',') !== minutes(defaults.retry_after_min).join(',')) {
    out.retry_after_min = minutes(form.retry_after_min);
  }
  return out;
}

// The same as query parameters of POST /api/v1/campaigns (lists comma-separated).
export function rulesQuery(changed) {
  const q = {};
  for (const [k, v] of Object.entries(changed)) q[k] = Array.isArray(v) ? v.join(',') : v;
  return q;
}

// One line a person reads: "10:00-11:30，14:00-16:00（仅工作日），最多 2 次，间隔 60 分钟，2 路，每秒 0.5 通".
export function rulesText(rules) {
  return `${rules.hours.join('，')}${rules.working_days_only ? '（仅工作日）' : '（含休息日）'}，`
    + `最多 ${rules.max_attempts} 次，间隔 ${rules.retry_after_min.join('、')} 分钟，`
    + `${rules.concurrent} 路，每秒 ${rules.pace_per_s} 通`;
}
