-- Neovim end-to-end test client for `djleak lsp` (see nvim_test.go).
--
--   nvim --headless --clean -u init.lua FILE
--
-- Starts the server for FILE's buffer, waits (bounded) for its diagnostics,
-- asks for the suppression quick fix, applies it, waits for the diagnostics
-- to clear, stops the server and writes what happened as JSON lines to
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
  local first
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    first = first or d
    emit({
      event = "diagnostic", code = d.code, source = d.source, severity = d.severity,
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      message = d.message, href = href(d),
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
      local cleared = vim.wait(timeout, function() return #vim.diagnostic.get(bufnr) == 0 end, 50)
      emit({ event = "after_fix", cleared = cleared, remaining = #vim.diagnostic.get(bufnr) })
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
