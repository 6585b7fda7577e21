# Removes the token agent installed by install.ps1 for the current user; the settings in %APPDATA%\qtsp-agent stay.
$ErrorActionPreference = "Continue"
$target = Join-Path $env:LOCALAPPDATA "Programs\QtspTokenAgent"
$exe = Join-Path $target "Agent.exe"
Get-Process -Name Agent -ErrorAction SilentlyContinue | Where-Object { $_.Path -eq $exe } | Stop-Process -Force
Remove-ItemProperty -Path "HKCU:\Software\Microsoft\Windows\CurrentVersion\Run" -Name "QtspTokenAgent" -ErrorAction SilentlyContinue
Remove-Item (Join-Path ([Environment]::GetFolderPath("Programs")) "Token agent.lnk") -ErrorAction SilentlyContinue
Remove-Item -Recurse -Force $target
Write-Host "Token agent removed."
