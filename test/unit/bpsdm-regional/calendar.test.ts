import {
  addDays,
  addWorkingDays,
  nextWorkingDay,
} from '../../../services/bpsdm-regional/seed/calendar';

describe('seed calendar', () => {
  it('adds days across months and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
  });

  it('moves a weekend to the Monday after it', () => {
    expect(nextWorkingDay('2026-11-28')).toBe('2026-11-30'); // Saturday
    expect(nextWorkingDay('2026-11-29')).toBe('2026-11-30'); // Sunday
    expect(nextWorkingDay('2026-11-25')).toBe('2026-11-25'); // Wednesday
  });

  it('counts working days only', () => {
    expect(addWorkingDays('2026-11-25', 0)).toBe('2026-11-25');
    expect(addWorkingDays('2026-11-27', 1)).toBe('2026-11-30'); // Friday + 1
    expect(addWorkingDays('2026-11-23', 9)).toBe('2026-12-04'); // two weeks
  });
});
