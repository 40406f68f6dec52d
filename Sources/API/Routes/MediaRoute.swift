/// The routes a `<video>`, `<img>` or `<track>` loads, or a download link points at: they may
/// carry `?access_token=` because browsers cannot set headers there. Their routes are registered with these templates, and
/// `AuthMiddleware` allows the query token on exactly the same.
enum MediaRoute {
    static let clipContent = "clips/{id}/content"
    static let clipThumbnail = "clips/{id}/thumbnail"
    static let uploadContent = "uploads/{id}/content"
    static let storyboard = "jobs/{id}/storyboard.jpg"
    static let clipCaptionsSRT = "clips/{id}/captions.srt"
    static let clipCaptionsVTT = "clips/{id}/captions.vtt"
    static let frame = "jobs/{id}/frames/{index}"
    static let renditionContent = "clips/{id}/renditions/{number}/content"
    static let renditionFile = "clips/{id}/renditions/{number}/hls/{file}"
    /// Timeline exports: the web app's export buttons are links.
    static let jobTimeline = "jobs/{id}/timeline"
    static let clipTimeline = "clips/{id}/timeline"
    /// A batch's clips in one ZIP: a download link.
    static let batchClips = "batches/{id}/clips.zip"

    /// As the router names them once matched (`endpointPath`), under `/v1`.
    static let endpointPaths = Set(
        [
            clipContent, clipThumbnail, uploadContent, storyboard, clipCaptionsSRT, clipCaptionsVTT, frame,
            renditionContent, renditionFile, jobTimeline, clipTimeline, batchClips,
        ].map {
            "/v1/" + $0
        })
}
