// The departments' names (GET /api/v1/tickets/departments, from kb/departments.tsv), fetched once
// per page load: the work-order screens show 示例市城市管理局 where an order says cgj, and offer
// the names when a dispatcher picks a department. Until the list has come (or when it could not),
// a code is shown as it is.
import { ref } from 'vue';
import { api } from '../api.js';

const departments = ref([]);
let pending = null;

// The list, reactive: loaded on first use.
export function useDepartments() {
  if (!pending) {
    pending = api.get('/tickets/departments')
      .then((r) => { departments.value = r.departments || []; })
      .catch(() => { pending = null; });
  }
  return departments;
}

export function departmentName(code) {
  if (!code) return '';
  const d = departments.value.find((x) => x.code === code);
  return d ? d.name : code;
}

// What a department picker lists: "示例市城市管理局（cgj）", so typing either finds it.
export function departmentLabel(d) {
  return `${d.name}（${d.code}）`;
}
