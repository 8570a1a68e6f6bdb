// The dashboard's figures in words and as charts, from GET /api/v1/stats/dashboard
// (src/http/dashboard_routes.cc): the cards as shown, and for each chart its ECharts option,
// its summary for screen readers and its table (ChartPanel.vue's rows). Nothing is computed
// here that the server does not give: the screen, the API and the server's workbook agree.
import { percent } from '../labels.js';

export const weekdays = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
export const hourNames = Array.from({ length: 24 }, (_, h) => `${h}时`);

// A card as shown: the value (a rate as a percentage with one decimal, a count as an integer),
// numerator and denominator (a count has none), the change against the period before in
// words (percentage points for a rate, a signed count for a count) and its direction.
// A rate whose period before had nothing to count (its denominator 0) is said to have no data.
export function cardView(c) {
  const rate = c.denominator !== null && c.denominator !== undefined;
  const view = {
    code: c.code, label: c.label, formula: c.formula, rate,
    numerator: c.numerator, denominator: rate ? c.denominator : null,
    value: rate ? (c.denominator ? percent(c.value) : '—') : String(Math.round(c.value)),
    direction: 'flat', change: '',
  };
  if (rate) {
    if (!c.denominator) {
      view.direction = 'none';
      view.change = '本期无数据（分母为 0），无从比较';
    } else if (!c.previous_denominator) {
      view.direction = 'none';
      view.change = '上期无数据（分母为 0），无从比较';
    } else {
      const pp = c.change * 100;
      const prev = `上期 ${percent(c.previous)}（${c.previous_numerator}/${c.previous_denominator}）`;
      if (Math.abs(pp) < 0.05) view.change = `与上期持平（${prev}）`;
      else {
        view.direction = pp > 0 ? 'up' : 'down';
        view.change = `较上期${pp > 0 ? '上升' : '下降'} ${pp > 0 ? '+' : '−'}${Math.abs(pp).toFixed(1)} 个百分点（${prev}）`;
      }
    }
  } else {
    const d = Math.round(c.change);
    const prev = `上期 ${Math.round(c.previous)}`;
    if (d === 0) view.change = `与上期持平（${prev}）`;
    else {
      view.direction = d > 0 ? 'up' : 'down';
      view.change = `较上期${d > 0 ? '上升' : '下降'} ${d > 0 ? '+' : '−'}${Math.abs(d)}（${prev}）`;
    }
  }
  return view;
}

const first = (list, n, f) => list.slice(0, n).map(f).join('，') + (list.length > n ? `，另有 ${list.length - n} 项` : '');
const sum = (a) => a.reduce((s, n) => s + n, 0);
const barGrid = { left: 48, right: 16, top: 36, bottom: 32, containLabel: true };

// 渠道: conversations started and without a person, per channel (the share in the table).
export function channelsChart(rows) {
  return {
    label: rows.length ? `各渠道会话：${first(rows, 6, (c) =>
      `${c.name} ${c.started} 个，未经人工 ${c.without_person} 个（${percent(c.share)}）`)}。` : '没有会话。',
    option: {
      grid: barGrid,
      legend: { top: 0 },
      xAxis: { type: 'category', data: rows.map((c) => c.name) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { type: 'bar', name: '会话', data: rows.map((c) => c.started) },
        { type: 'bar', name: '未经人工', data: rows.map((c) => c.without_person) },
      ],
    },
    columns: ['渠道', '会话', '未经人工', '智能服务占比'],
    rows: rows.map((c) => ({
      key: c.channel, cells: [`${c.name}（${c.channel}）`, c.started, c.without_person, percent(c.share)],
    })),
  };
}

// 时段: starts per channel and hour of the day (China time), a line per channel.
export function hoursChart(rows) {
  const peak = (counts) => counts.reduce((best, n, h) => (n > counts[best] ? h : best), 0);
  return {
    label: rows.length ? `各渠道每小时开始的会话：${first(rows, 6, (c) =>
      `${c.name} 共 ${sum(c.counts)} 个，最多在 ${peak(c.counts)}时（${c.counts[peak(c.counts)]} 个）`)}。` : '没有会话。',
    option: {
      grid: barGrid,
      legend: { top: 0 },
      xAxis: { type: 'category', data: hourNames },
      yAxis: { type: 'value', minInterval: 1 },
      series: rows.map((c) => ({ type: 'line', name: c.name, data: c.counts, symbolSize: 6 })),
    },
    columns: ['渠道', ...hourNames, '合计'],
    rows: rows.map((c) => ({ key: c.channel, cells: [c.name, ...c.counts, sum(c.counts)] })),
    // A point of a line is its channel's row.
    pick: (p) => rows[p.seriesIndex]?.channel,
  };
}

// 星期 × 时段: starts per weekday (Monday first) and hour; each cell's count is written on it.
export function heatmapChart(days) {
  const cells = [];
  let max = 0;
  let busiest = null;
  days.forEach((hours, d) => hours.forEach((n, h) => {
    cells.push([h, d, n]);
    if (n > max) {
      max = n;
      busiest = `${weekdays[d]} ${h}时（${n} 个）`;
    }
  }));
  const total = sum(days.map((hours) => sum(hours)));
  return {
    label: total ? `按星期和小时开始的会话共 ${total} 个，最多在${busiest}。` : '这一时段没有会话。',
    option: {
      grid: { left: 56, right: 16, top: 8, bottom: 32 },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'category', data: hourNames, splitArea: { show: true } },
      yAxis: { type: 'category', data: weekdays, inverse: true, splitArea: { show: true } },
      visualMap: { show: false, min: 0, max: Math.max(max, 1), inRange: { color: ['#f0f4fc', '#0052d9'] } },
      series: [{
        type: 'heatmap', name: '会话', data: cells,
        label: { show: true, formatter: (p) => (p.value[2] ? String(p.value[2]) : ''), color: '#1f2329',
          textBorderColor: '#ffffff', textBorderWidth: 2 },
      }],
    },
    columns: ['星期', ...hourNames, '合计'],
    rows: total ? days.map((hours, d) => ({ key: weekdays[d], cells: [weekdays[d], ...hours, sum(hours)] })) : [],
    pick: (p) => weekdays[cells[p.dataIndex]?.[1]],
  };
}

// A ranking (conversation topics, work-order categories): horizontal bars, the largest on top.
export function rankedChart(rows, what, link) {
  return {
    label: rows.length ? `${what}（前 ${rows.length} 项）：${first(rows, 5, (t) => `${t.title} ${t.count}`)}。` : `没有${what}。`,
    option: {
      grid: { left: 16, right: 24, top: 8, bottom: 24, containLabel: true },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: rows.map((t) => t.title),
        axisLabel: { width: 150, overflow: 'truncate' } },
      series: [{ type: 'bar', name: what, data: rows.map((t) => t.count) }],
    },
    height: Math.max(160, 40 + rows.length * 26),
    columns: ['名称', '代码', '数量'],
    rows: rows.map((t) => ({
      key: t.topic, cells: [t.title, t.topic, t.count], ...(link ? link(t) : {}),
    })),
  };
}

// 满意度: the citizens' ratings after a conversation.
export function satisfactionChart(rows) {
  const total = sum(rows.map((r) => r.count));
  return {
    label: total ? `会话评价共 ${total} 条：${rows.map((r) => `${r.rating} ${r.count}`).join('，')}。` : '这一时段没有评价。',
    option: {
      grid: barGrid,
      tooltip: { trigger: 'item' },
      xAxis: { type: 'category', data: rows.map((r) => r.rating) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: '评价', data: rows.map((r) => r.count), colorBy: 'data' }],
    },
    columns: ['评价', '数量', '占比'],
    rows: total ? rows.map((r) => ({ key: r.rating, cells: [r.rating, r.count, percent(r.count / total)] })) : [],
  };
}

// 按时办结率 per department, with 退单 and 延期 beside it (no rate is improved by them).
export function onTimeText(r) {
  return r.denominator ? percent(r.value) : '—';
}
export function onTimeChart(rows, link) {
  return {
    label: rows.length ? `各部门按时办结率：${first(rows, 8, (d) =>
      `${d.name} ${onTimeText(d)}（${d.numerator}/${d.denominator}），退单 ${d.returned}，延期 ${d.extensions}`)}。` : '没有派给部门的任务。',
    option: {
      grid: barGrid,
      xAxis: { type: 'category', data: rows.map((d) => d.name) },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      // '-': no bar for a department with nothing 办结 (no rate, not 0%).
      series: [{ type: 'bar', name: '按时办结率',
        data: rows.map((d) => (d.denominator ? Math.round(d.value * 1000) / 10 : '-')) }],
    },
    columns: ['部门', '按时办结率', '按时办结 / 办结', '退单', '延期'],
    rows: rows.map((d) => ({
      key: d.department,
      cells: [d.name === d.department ? d.name : `${d.name}（${d.department}）`, onTimeText(d),
        `${d.numerator}/${d.denominator}`, d.returned, d.extensions],
      ...(link ? link(d) : {}),
    })),
  };
}

// 区县: conversations per district named; fewer than 5 people are never counted out ("<5").
export function districtsChart(rows) {
  return {
    label: rows.length ? `各区县的会话：${first(rows, 8, (d) => `${d.district} ${d.count === '<5' ? '少于 5 个' : `${d.count} 个`}`)}。少于 5 人的区县不显示人数。` : '这一时段的会话没有提到区县。',
    option: {
      grid: barGrid,
      tooltip: { trigger: 'item' },
      xAxis: { type: 'category', data: rows.map((d) => (d.count === '<5' ? `${d.district}（<5）` : d.district)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', name: '会话', data: rows.map((d) => (typeof d.count === 'number' ? d.count : '-')) }],
    },
    columns: ['区县', '会话'],
    rows: rows.map((d) => ({ key: d.district, cells: [d.district, d.count] })),
  };
}

// 年龄段画像: conversations per age band (from a valid ID number the citizen gave), in all and
// per district, a bar per district in each band. Every count under 5 people is "<5" from the
// server, never a number, and a count of 5 or more that would give such a cell away (its row's
// total less the cells shown) is "≥5": both shown as they are in the table and the words, and
// drawn as no bar.
const portraitCount = (n) => {
  if (n === '<5') return '少于 5 个';
  if (n === '≥5') return '5 个以上';
  return `${n} 个`;
};
export function agesChart(rows) {
  const districts = rows.length ? rows[0].districts.map((c) => c.district) : [];
  return {
    label: rows.length ? `各年龄段的会话：${first(rows, 8, (r) => `${r.band} ${portraitCount(r.count)}（${
      r.districts.filter((c) => typeof c.count === 'number').map((c) => `${c.district} ${c.count} 个`).join('，') || '各区县均不显示人数'}）`)}。少于 5 人的格子只显示“<5”；显示为“≥5”的格子有 5 人以上，为免从合计推算出旁边少于 5 人的格子而不显示人数。` : '这一时段的会话没有可用的年龄段。',
    option: {
      grid: barGrid,
      legend: { top: 0 },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'category', data: rows.map((r) => (typeof r.count === 'number' ? r.band : `${r.band}（${r.count}）`)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: districts.map((name, i) => ({
        type: 'bar', name, data: rows.map((r) => (typeof r.districts[i]?.count === 'number' ? r.districts[i].count : '-')),
      })),
    },
    columns: ['年龄段', '合计', ...districts],
    rows: rows.map((r) => ({ key: r.band, cells: [r.band, r.count, ...r.districts.map((c) => c.count)] })),
    pick: (p) => rows[p.dataIndex]?.band,
  };
}

// The choices of the filters: the channels, districts and departments the server lists
// (`options`, from the knowledge base's files) and whatever the data named besides.
export const seen = { channels: new Map(), districts: new Set(), departments: new Map() };
export function remember(d) {
  const o = d.options || {};
  for (const c of o.channels || []) seen.channels.set(c.code, c.name);
  for (const name of o.districts || []) seen.districts.add(name);
  for (const r of o.departments || []) seen.departments.set(r.code, r.name);
  const ch = d.charts || {};
  for (const c of ch.channels || []) seen.channels.set(c.channel, c.name);
  for (const r of ch.districts || []) if (r.district) seen.districts.add(r.district);
  for (const h of ch.hotspots || []) if (h.district) seen.districts.add(h.district);
  for (const r of ch.on_time || []) seen.departments.set(r.department, r.name);
}
