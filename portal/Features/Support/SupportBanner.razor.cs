using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Qtsp.Portal.Features.Account;

namespace Qtsp.Portal.Features.Support;

public sealed partial class SupportBanner
{
    private ITimer? _timer;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private SupportService Support { get; set; } = default!;

    [Parameter, EditorRequired]
    public Actor Actor { get; set; } = default!;

    [Parameter, EditorRequired]
    public SupportContext Session { get; set; } = default!;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        // Only an interactive render gets here: one record per page shown, and a timer for the end of the session.
        Navigation.LocationChanged += OnLocationChanged;
        await Support.RecordPageViewAsync("/" + Navigation.ToBaseRelativePath(Navigation.Uri));
        var left = Session.ExpiresAtUtc - Time.GetUtcNow().UtcDateTime;
        _timer = Time.CreateTimer(_ => _ = InvokeAsync(Expired), null, left > TimeSpan.Zero ? left : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private void Expired() => Navigation.NavigateTo("support?ended=expired", forceLoad: true);

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) =>
        _ = InvokeAsync(() => Support.RecordPageViewAsync("/" + Navigation.ToBaseRelativePath(e.Location)));

    public void Dispose()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        _timer?.Dispose();
    }
}
