# Installs the token agent for the current user (no administrator rights): copies this folder to
# %LOCALAPPDATA%\Programs\QtspTokenAgent, starts it with every sign-in (the Run key), adds a Start-menu shortcut,
# writes %APPDATA%\qtsp-agent\settings.json when there is none, and starts the agent.
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-PortalOrigin https://portal.example.cz]
param([string]$PortalOrigin = "")
$ErrorActionPreference = "Stop"

$target = Join-Path $env:LOCALAPPDATA "Programs\QtspTokenAgent"
$logs = Join-Path $env:LOCALAPPDATA "qtsp-agent\logs"
$settingsFolder = Join-Path $env:APPDATA "qtsp-agent"
$exe = Join-Path $target "Agent.exe"

Get-Process -Name Agent -ErrorAction SilentlyContinue | Where-Object { $_.Path -eq $exe } | Stop-Process -Force
New-Item -ItemType Directory -Force -Path $target, $logs, $settingsFolder | Out-Null
Copy-Item -Path (Join-Path $PSScriptRoot "*") -Destination $target -Recurse -Force -Exclude "install.ps1"

$settings = Join-Path $settingsFolder "settings.json"
if (-not (Test-Path $settings) -and $PortalOrigin -ne "") {
    @{ Agent = @{ AllowedOrigins = @($PortalOrigin) } } | ConvertTo-Json -Depth 4 | Set-Content -Encoding UTF8 $settings
}

$command = "`"$exe`" `"--Agent:LogFolder=$logs`""
Set-ItemProperty -Path "HKCU:\Software\Microsoft\Windows\CurrentVersion\Run" -Name "QtspTokenAgent" -Value $command

$shell = New-Object -ComObject WScript.Shell
$shortcut = $shell.CreateShortcut((Join-Path ([Environment]::GetFolderPath("Programs")) "Token agent.lnk"))
$shortcut.TargetPath = $exe
$shortcut.Arguments = "`"--Agent:LogFolder=$logs`""
$shortcut.WorkingDirectory = $target
$shortcut.Save()

Start-Process -FilePath $exe -ArgumentList "`"--Agent:LogFolder=$logs`"" -WorkingDirectory $target
Write-Host "Token agent installed in $target and started; it starts with every sign-in."
