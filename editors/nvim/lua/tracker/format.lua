--- Text of run events and values for buffers: log lines, timestamps, durations, costs.
local M = {}

local NODE_WIDTH = 18
local MAX_ANSWER_LINES = 20
-- time (12) + 2 + node + 2
M.LOG_PREFIX_WIDTH = 12 + 2 + NODE_WIDTH + 2
local PAD = string.rep(' ', M.LOG_PREFIX_WIDTH)

--- Seconds since the epoch of an RFC 3339 timestamp ("2026-11-25T13:55:43.957Z",
--- "2026-11-25T14:16:07.216376+02:00").
function M.parse_ts(ts)
  if type(ts) ~= 'string' then
    return nil
  end
  local y, mo, d, h, mi, s, frac, zone = ts:match('^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)(%.?%d*)(.*)$')
  if not y then
    return nil
  end
  local offset = 0
  local sign, oh, om = zone:match('^([+-])(%d%d):?(%d%d)$')
  if sign then
    offset = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == '-' and -1 or 1)
  end
  -- days from civil (proleptic Gregorian), so no dependency on the local time zone
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then
    y = y - 1
  end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * (mo + (mo > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  local seconds = days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(s)
  return seconds - offset + (tonumber('0' .. frac) or 0)
end

--- "HH:MM:SS.mmm" of a timestamp (UTC, as the server writes it).
function M.clock(ts)
  local hms, ms = tostring(ts or ''):match('T(%d%d:%d%d:%d%d)(%.?%d*)')
  if not hms then
    return '            '
  end
  return hms .. (ms ~= '' and ms:sub(1, 4) or '.000')
end

function M.duration(seconds)
  if not seconds or seconds < 0 then
    return ''
  end
  if seconds < 10 then
    return ('%.1fs'):format(seconds)
  end
  if seconds < 60 then
    return ('%ds'):format(math.floor(seconds + 0.5))
  end
  if seconds < 3600 then
    return ('%dm%02ds'):format(math.floor(seconds / 60), math.floor(seconds % 60))
  end
  return ('%dh%02dm'):format(math.floor(seconds / 3600), math.floor(seconds % 3600 / 60))
end

function M.cost(cost)
  if type(cost) ~= 'table' then
    return 'no cost yet'
  end
  local tokens = tonumber(cost.totalTokens) or 0
  local usd = tonumber(cost.totalCostUsd) or 0
  return ('%d tokens · $%.4f%s'):format(tokens, usd, cost.estimated and ' (estimated)' or '')
end

local function one_line(text)
  return (tostring(text or ''):gsub('%s*\n%s*', ' ⏎ '))
end

--- The message of an event (what the log shows after the time and node).
local function message(event)
  local t = event.type or '?'
  if t == 'gate_opened' then
    local choices = event.gate_choices and #event.gate_choices > 0
        and (' [' .. table.concat(event.gate_choices, ' / ') .. ']')
      or ''
    return ('gate opened (%s): %s%s'):format(event.gate_mode or '?', one_line(event.gate_prompt or event.gate_label), choices)
  end
  if t == 'gate_resolved' then
    local response = tostring(event.gate_response or '')
    if response == '' then
      return ('gate closed without an answer (%s)'):format(event.gate_actor or '?')
    end
    local lines = vim.split(response, '\n', { plain = true })
    if #lines > MAX_ANSWER_LINES then
      lines = vim.list_slice(lines, 1, MAX_ANSWER_LINES)
      lines[#lines + 1] = '…'
    end
    return ('gate answered by %s: %s'):format(event.gate_actor or '?', table.concat(lines, '\n'))
  end
  if t == 'cost_updated' then
    return ('cost %d tokens · $%.4f'):format(tonumber(event.total_tokens) or 0, tonumber(event.total_cost_usd) or 0)
  end
  if t == 'stage_failed' and event.error then
    return ('%s: %s'):format(event.message or 'failed', event.error)
  end
  if event.message and event.message ~= '' then
    return event.message
  end
  if event.text then
    return event.text
  end
  return t
end

--- Log lines of one event: the first carries time, node and type; a multi-line message
--- continues on indented lines.
---@return string[]
function M.event_lines(event)
  local node = event.node_id or ''
  local width = vim.api.nvim_strwidth(node)
  if width > NODE_WIDTH then
    node = vim.fn.strcharpart(node, 0, NODE_WIDTH - 1) .. '…'
    width = NODE_WIDTH
  end
  local prefix = M.clock(event.ts) .. '  ' .. node .. string.rep(' ', NODE_WIDTH - width) .. '  '
  local lines = vim.split(tostring(message(event)), '\n', { plain = true })
  lines[1] = prefix .. lines[1]
  for i = 2, #lines do
    lines[i] = PAD .. lines[i]
  end
  return lines
end


return M
