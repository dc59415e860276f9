# ünïcödé 🎉 comment
name = "日本語🎉"; call_after(name)
