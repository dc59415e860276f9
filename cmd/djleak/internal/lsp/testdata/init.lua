-- Neovim end-to-end test client for `djleak lsp` (see nvim_test.go).
--
--   nvim --headless --clean -u init.lua FILE
--
-- Starts the server for FILE's buffer, waits (bounded) for its diagnostics,
-- asks for the suppression quick fix of the buffer's own finding, applies
-- it, waits for that diagnostic to clear (a finding reported in the nginx
-- file and shown here stays), stops the server and writes what happened as JSON lines to
-- $DJLEAK_E2E_OUT. Works with Neovim 0.7 (vim.lsp.start_client +
-- vim.lsp.buf_attach_client) and later (vim.lsp.start).

local bin = os.getenv("DJLEAK_BIN")
local out_path = os.getenv("DJLEAK_E2E_OUT")
local root = os.getenv("DJLEAK_E2E_ROOT")
local timeout = tonumber(os.getenv("DJLEAK_E2E_TIMEOUT_MS") or "15000")

local out = assert(io.open(out_path, "w"))
local encode = (vim.json and vim.json.encode) or vim.fn.json_encode

local function emit(t)
  out:write(encode(t), "\n")
  out:flush()
end

local function href(d)
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.codeDescription and lsp.codeDescription.href or nil
end

-- reported_at is where a diagnostic mirrored from another file is reported
-- (the data djleak attaches), or nil for a file's own diagnostic.
local function reported_at(d)
  local lsp = d.user_data and d.user_data.lsp
  return lsp and lsp.data and lsp.data.reportedAt or nil
end

local function related_uri(d)
  local lsp = d.user_data and d.user_data.lsp
  local r = lsp and lsp.relatedInformation and lsp.relatedInformation[1]
  return r and r.location and r.location.uri or nil
end

local function own_count(bufnr)
  local n = 0
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if not reported_at(d) then n = n + 1 end
  end
  return n
end

local function main()
  local v = vim.version()
  emit({ event = "start", nvim = string.format("%d.%d.%d", v.major, v.minor, v.patch) })

  local bufnr = vim.api.nvim_get_current_buf()
  local exit_code
  local config = {
    name = "djleak",
    cmd = { bin, "lsp" },
    root_dir = root,
    on_exit = function(code) exit_code = code end,
  }
  local client_id
  if vim.lsp.start then -- Neovim 0.8+
    client_id = vim.lsp.start(config, { bufnr = bufnr })
    emit({ event = "client", api = "vim.lsp.start", id = client_id })
  else -- Neovim 0.7
    client_id = vim.lsp.start_client(config)
    local attached = vim.lsp.buf_attach_client(bufnr, client_id)
    emit({ event = "client", api = "vim.lsp.start_client", id = client_id, attached = attached })
  end
  assert(client_id, "the client did not start")

  local got = vim.wait(timeout, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
  local first -- the buffer's own finding (not one mirrored from another file)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if not reported_at(d) then first = first or d end
    emit({
      event = "diagnostic", code = d.code, source = d.source, severity = d.severity,
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      message = d.message, href = href(d), reported_at = reported_at(d), related = related_uri(d),
    })
  end
  emit({ event = "diagnostics", arrived = got })

  if first then
    -- The quick fix, as a user's code-action request for that line.
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(bufnr) },
      range = { start = { line = first.lnum, character = 0 }, ["end"] = { line = first.lnum, character = 0 } },
      context = { diagnostics = {} },
    }
    local results = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, timeout)
    local action
    for _, r in pairs(results or {}) do
      for _, a in ipairs(r.result or {}) do
        action = action or a
      end
    end
    emit({ event = "action", title = action and action.title, kind = action and action.kind })
    if action and action.edit then
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
      emit({ event = "edited", line = vim.api.nvim_buf_get_lines(bufnr, first.lnum, first.lnum + 1, false)[1] })
      local cleared = vim.wait(timeout, function() return own_count(bufnr) == 0 end, 50)
      emit({ event = "after_fix", cleared = cleared, remaining = own_count(bufnr), mirrored = #vim.diagnostic.get(bufnr) })
    end
  end

  vim.lsp.stop_client(client_id)
  local stopped = vim.wait(timeout, function() return exit_code ~= nil end, 50)
  emit({ event = "stopped", stopped = stopped, exit_code = exit_code })
end

vim.api.nvim_create_autocmd("VimEnter", {
  once = true,
  callback = function()
    local ok, err = xpcall(main, debug.traceback)
    if not ok then
      emit({ event = "error", message = tostring(err) })
    end
    out:close()
    vim.cmd("qa!")
  end,
})
